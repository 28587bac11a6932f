import { accept, type Outcome, refuse } from '@tillpoint/core';
import type { RuleSetTarget, SignedRuleSet } from '@tillpoint/protocol';
import type { PublishedRuleSet, StoreGroup, TillRulesInForce } from './hub-store';

/**
 * Head office's decisions for rule sets rolled out by store group (issue 16): the target a
 * publication signs, the sets signed again when a group's stores change, what a rollback
 * publishes, and which version each till should run. Pure: the stores only read and write.
 */

/** A rule set before it is signed. */
export type UnsignedRuleSet = Omit<SignedRuleSet, 'signature'>;

const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** The same groups, in any order. */
function sameGroups(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = sortedUnique(a ?? []);
  const y = sortedUnique(b ?? []);
  return x.length === y.length && x.every((g, i) => g === y[i]);
}

/**
 * The target a publication for `groups` signs: the groups (sorted) and every store they hold
 * now. No groups: every store (undefined, signed as before targets existed). A group with no
 * store is refused (a typo would otherwise publish to nobody).
 */
export function targetOfGroups(
  groups: readonly string[] | undefined,
  held: readonly StoreGroup[],
): Outcome<RuleSetTarget | undefined, 'group_unknown'> {
  if (groups === undefined || groups.length === 0) return accept(undefined);
  const stores: string[] = [];
  for (const group of sortedUnique(groups)) {
    const found = held.find((g) => g.group === group);
    if (found === undefined || found.stores.length === 0)
      return refuse(
        'group_unknown',
        `store group ${group} has no stores: set them first (tillpoint-hub store-group set --group ${group} --stores s1,s2)`,
        { group },
      );
    stores.push(...found.stores);
  }
  return accept({ groups: sortedUnique(groups), stores: sortedUnique(stores) });
}

/**
 * After a group's stores change (`groupsAfter` holds the new membership): the published sets
 * naming that group whose stores change with it, with their new target, to sign again. A group
 * left without stores adds none (its set reaches the other groups' stores, or none).
 */
export function retargetRuleSets(
  published: readonly PublishedRuleSet[],
  group: string,
  groupsAfter: readonly StoreGroup[],
): UnsignedRuleSet[] {
  const storesOf = (g: string) => groupsAfter.find((held) => held.group === g)?.stores ?? [];
  const changed: UnsignedRuleSet[] = [];
  for (const set of published) {
    if (set.target === undefined || !set.target.groups.includes(group)) continue;
    const stores = sortedUnique(set.target.groups.flatMap(storesOf));
    if (stores.join(',') === set.target.stores.join(',')) continue;
    changed.push({
      version: set.version,
      effectiveFrom: set.effectiveFrom,
      ruleSetJson: set.ruleSetJson,
      target: { groups: set.target.groups, stores },
    });
  }
  return changed;
}

/** Every store a set was ever signed for: a store that left still gets the set without it (and drops it). */
export function audienceAfter(
  before: readonly string[] | null,
  target: RuleSetTarget | undefined,
): string[] | null {
  if (target === undefined) return null;
  return sortedUnique([...(before ?? []), ...target.stores]);
}

/** Version ids are at most this long (`signedRuleSetSchema`). */
const versionLengthMax = 64;

export interface RollbackPlan {
  /** The publication rolled back: the one in force now for the target. */
  rollsBack: string;
  /** The set before it, whose rules are published again. */
  restores: string;
  ruleSetJson: string;
  /** `rollback-of-<rolled back>` (with `-2`, `-3` … when rolled back before), unless given. */
  version: string;
}

/**
 * What `publish-rules --rollback [--group G]` publishes: for the target (every store, or the
 * groups), the set in force now among those publications that reach it the same way (sets for
 * every store; for groups, also the sets for exactly those groups), and the one before it,
 * whose rules are published again as a new version effective now.
 */
export function planRollback(
  published: readonly PublishedRuleSet[],
  input: { groups?: readonly string[] | undefined; now: number; version?: string | undefined },
): Outcome<RollbackPlan, 'nothing_to_roll_back' | 'version_too_long'> {
  const grouped = input.groups !== undefined && input.groups.length > 0;
  const reaching = published
    .filter((s) => s.target === undefined || (grouped && sameGroups(s.target.groups, input.groups)))
    .filter((s) => s.effectiveFrom <= input.now)
    .sort((a, b) => a.effectiveFrom - b.effectiveFrom);
  const current = reaching.at(-1);
  const before = reaching.at(-2);
  const what = grouped ? `store group ${sortedUnique(input.groups ?? []).join(', ')}` : 'every store';
  if (current === undefined || before === undefined)
    return refuse(
      'nothing_to_roll_back',
      `no earlier rule set to go back to for ${what}${current === undefined ? '' : ` (only ${current.version} was published for it)`}`,
    );
  const taken = new Set(published.map((s) => s.version));
  let version = input.version ?? `rollback-of-${current.version}`;
  for (let n = 2; input.version === undefined && taken.has(version); n++)
    version = `rollback-of-${current.version}-${n}`;
  if (version.length > versionLengthMax)
    return refuse(
      'version_too_long',
      `the rollback's version id ${version} is longer than ${versionLengthMax} characters: give one with --version`,
    );
  return accept({
    rollsBack: current.version,
    restores: before.version,
    ruleSetJson: before.ruleSetJson,
    version,
  });
}

/** The set a store should run at `now`: the latest effective that has passed among those for it. */
export function ruleSetDueAt(
  published: readonly PublishedRuleSet[],
  storeId: string,
  now: number,
): PublishedRuleSet | undefined {
  let due: PublishedRuleSet | undefined;
  for (const set of published) {
    const forStore = set.target === undefined || set.target.stores.includes(storeId);
    if (forStore && set.effectiveFrom <= now && (due === undefined || set.effectiveFrom > due.effectiveFrom))
      due = set;
  }
  return due;
}

export interface TillRulesRow extends TillRulesInForce {
  /** The version head office expects in force at the till's store now (null: none published for it). */
  due: string | null;
  /** The till reported the due version (a till that never reported: false). */
  upToDate: boolean;
}

/** `tillpoint-hub rules versions`: each till's reported version against the one due at its store. */
export function tillRulesRows(
  tills: readonly TillRulesInForce[],
  published: readonly PublishedRuleSet[],
  now: number,
): TillRulesRow[] {
  return tills.map((till) => {
    const due = ruleSetDueAt(published, till.storeId, now)?.version ?? null;
    return { ...till, due, upToDate: till.version === due && till.reportedAt !== null };
  });
}
