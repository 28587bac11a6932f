import type { SignedRuleSet } from '@tillpoint/protocol';
import { syncCardCapsMax } from '@tillpoint/protocol';
import { HubStoreError } from './hub-store-error';

/**
 * Head office's own writes that a store refuses, decided here from what the store read (pure;
 * both stores call these under their write lock and throw what they answer).
 */

/**
 * A rule set whose version is taken, or that takes effect at the same moment as another:
 * tills order rule sets by `effectiveFrom` alone, so two with one time would be ambiguous
 * (head office refuses the second rather than let the tills pick one).
 */
export function ruleSetConflict(
  ruleSet: Pick<SignedRuleSet, 'version' | 'effectiveFrom'>,
  held: { effectiveFromOfVersion: number | undefined; versionAtEffectiveFrom: string | undefined },
): HubStoreError | null {
  const at = (ms: number) => new Date(ms).toISOString();
  if (held.effectiveFromOfVersion !== undefined)
    return new HubStoreError(
      'conflict',
      `rule set version ${ruleSet.version} is already published (effective from ${at(held.effectiveFromOfVersion)}): a published rule set never changes, publish this one under a new version`,
      { context: { version: ruleSet.version, reason: 'version_taken' } },
    );
  if (held.versionAtEffectiveFrom !== undefined)
    return new HubStoreError(
      'conflict',
      `rule set ${held.versionAtEffectiveFrom} already takes effect at the same moment (${at(ruleSet.effectiveFrom)}) as ${ruleSet.version}: tills could not tell which applies; pick another effective-from time`,
      {
        context: {
          version: ruleSet.version,
          heldVersion: held.versionAtEffectiveFrom,
          reason: 'effective_from_taken',
        },
      },
    );
  return null;
}

/** A new per-card offline cap when `others` caps are kept already (all of a store's go to its tills on every pull). */
export function cardCapsFull(others: number): HubStoreError | null {
  if (others < syncCardCapsMax) return null;
  return new HubStoreError(
    'limit_reached',
    `head office keeps at most ${syncCardCapsMax} per-card offline caps (each till is sent all of its store's): clear caps no longer needed (tillpoint-hub card-cap --clear) before adding one`,
    { context: { caps: others, max: syncCardCapsMax } },
  );
}
