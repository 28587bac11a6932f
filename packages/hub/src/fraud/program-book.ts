import { type ProgramVersion, parseProgram } from '@tillpoint/rules';
import type { PublishedRuleSet } from './fraud-store';

/**
 * The programs head office published, by the version id a till records on each sale (the
 * engine's `programVersion`, a hash of the program) and by the rule set's own label. Each rule
 * set is parsed once; a rule set that does not parse (it could not have been published) is
 * skipped and named in `unreadable`.
 */
export class ProgramBook {
  readonly #byVersion = new Map<string, ProgramVersion>();
  readonly #parsed = new Set<string>();
  readonly unreadable: string[] = [];

  /** Adds the rule sets not seen before. */
  learn(ruleSets: readonly PublishedRuleSet[]): void {
    for (const r of ruleSets) {
      if (this.#parsed.has(r.version)) continue;
      this.#parsed.add(r.version);
      let input: unknown;
      try {
        input = JSON.parse(r.ruleSetJson);
      } catch {
        this.unreadable.push(r.version);
        continue;
      }
      const parsed = parseProgram(input, `rule set ${r.version}`);
      if (!parsed.ok) {
        this.unreadable.push(r.version);
        continue;
      }
      this.#byVersion.set(parsed.value.versionId, parsed.value);
      if (!this.#byVersion.has(r.version)) this.#byVersion.set(r.version, parsed.value);
    }
  }

  program(rulesVersion: string | null): ProgramVersion | undefined {
    return rulesVersion === null ? undefined : this.#byVersion.get(rulesVersion);
  }

  get size(): number {
    return this.#parsed.size;
  }
}
