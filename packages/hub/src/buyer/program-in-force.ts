import { type ProgramVersion, parseProgram } from '@tillpoint/rules';
import type { HubStore } from '../hub-store';

/** Published rule sets read to find the one in force (the chain's, not a store group's pilot). */
const publishedReadMax = 64;

const parsed = new Map<string, ProgramVersion | null>();

/**
 * The chain's program in force at `now`: the latest rule set for every store whose
 * `effectiveFrom` has passed, parsed once per version (null: none published, or one that does
 * not parse, which head office never signs).
 */
export async function programInForce(store: HubStore, now: number): Promise<ProgramVersion | null> {
  const set = (await store.publishedRuleSets(publishedReadMax)).find(
    (r) => r.target === undefined && r.effectiveFrom <= now,
  );
  if (set === undefined) return null;
  const held = parsed.get(set.version);
  if (held !== undefined) return held;
  let version: ProgramVersion | null = null;
  try {
    const outcome = parseProgram(JSON.parse(set.ruleSetJson), `rule set ${set.version}`);
    version = outcome.ok ? outcome.value : null;
  } catch {
    version = null;
  }
  if (parsed.size >= 16) parsed.clear();
  parsed.set(set.version, version);
  return version;
}
