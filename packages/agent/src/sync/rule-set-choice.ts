import { ruleSetIsForStore, type SignedRuleSet, verifyRuleSet } from '@tillpoint/protocol';

/** What a till does with the rule sets of one pulled page. */
export interface RuleSetSorting {
  /** Signed by head office and for this store: kept (a version held already is replaced). */
  kept: SignedRuleSet[];
  /**
   * Signed by head office for other stores only: a set this store held before it left the
   * set's store group. Dropped, so the set before it applies again.
   */
  withdrawn: string[];
  /** Not kept, with the reason for the log (a bad signature: not from head office, or altered). */
  refused: { version: string; reason: string }[];
}

/**
 * Sorts a pulled page's rule sets. A set's target is signed with it, so a hub that serves a
 * pilot set to a store outside its group (a mistake, or a target edited on the way) cannot make
 * this till apply it: a signature that does not verify is refused, and a verified set that
 * does not name this store is never applied here.
 */
export function sortRuleSets(
  ruleSets: readonly SignedRuleSet[],
  hubPublicKeyPem: string,
  storeId: string | undefined,
): RuleSetSorting {
  const sorting: RuleSetSorting = { kept: [], withdrawn: [], refused: [] };
  for (const ruleSet of ruleSets) {
    if (!verifyRuleSet(hubPublicKeyPem, ruleSet))
      sorting.refused.push({
        version: ruleSet.version,
        reason: `rule set ${ruleSet.version} from head office has a bad signature: ignored`,
      });
    else if (forStore(ruleSet, storeId)) sorting.kept.push(ruleSet);
    else sorting.withdrawn.push(ruleSet.version);
  }
  return sorting;
}

/**
 * The rule set in force at `now` for this store: the latest `effectiveFrom` that has passed
 * among the held sets for it (`held` newest first, as `SyncStateStore.ruleSets` gives them).
 */
export function ruleSetInForce(
  held: readonly SignedRuleSet[],
  storeId: string | undefined,
  now: number,
): SignedRuleSet | undefined {
  return held.find((r) => r.effectiveFrom <= now && forStore(r, storeId));
}

/** A till that does not know its store applies only the sets for every store. */
function forStore(ruleSet: SignedRuleSet, storeId: string | undefined): boolean {
  return storeId === undefined ? ruleSet.target === undefined : ruleSetIsForStore(ruleSet, storeId);
}
