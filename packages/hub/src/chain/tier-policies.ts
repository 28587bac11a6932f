import { allTimePolicy, type TierPolicy, tierPolicyOf } from './tier-window';

/**
 * The tier policy of the rule set in force, parsed once per version (a store keeps one). A
 * policy given at open (`tierPolicy` option) overrides the rule sets: until the program schema
 * carries the window, or to try a window on a copy of the data.
 */
export class TierPolicies {
  readonly #byVersion = new Map<string, TierPolicy>();

  constructor(readonly fixed: TierPolicy | undefined = undefined) {}

  of(ruleSet: { version: string; json: string } | undefined): TierPolicy {
    if (this.fixed !== undefined) return this.fixed;
    if (ruleSet === undefined) return allTimePolicy;
    let policy = this.#byVersion.get(ruleSet.version);
    if (policy === undefined) {
      policy = tierPolicyOf(ruleSet.json);
      if (this.#byVersion.size >= 64) this.#byVersion.clear();
      this.#byVersion.set(ruleSet.version, policy);
    }
    return policy;
  }
}
