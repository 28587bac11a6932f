import { syncRulesInForceSchema } from '@tillpoint/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { HubStore, PullVersion } from './hub-store';

/** The pull's `version` query value as the store takes it. */
export function pullVersionOf(version: number): PullVersion {
  return version >= 4 ? 4 : version === 3 ? 3 : version === 2 ? 2 : 1;
}

/**
 * The rule-set version a till reports in force (header `tillpoint-rules-version`, URI-encoded;
 * `none`: no head-office set yet). Undefined: the header is absent or unreadable (a till from
 * before it, or garbage: the pull goes on, nothing is noted).
 */
export function reportedRulesOf(header: string | string[] | undefined): string | null | undefined {
  if (typeof header !== 'string') return undefined;
  let text: string;
  try {
    text = decodeURIComponent(header);
  } catch {
    return undefined;
  }
  if (text === 'none') return null;
  const parsed = syncRulesInForceSchema.safeParse(text);
  return parsed.success ? parsed.data : undefined;
}

/** Tills remembered at most (past that the memory starts again: a few more writes). */
const tillsRememberedMax = 100_000;

/**
 * Keeps the last version each till reported (`HubStore.noteRulesInForce`), written only when
 * it changes (and once per till after a start). A failure to note never fails the pull.
 */
export class RulesReported {
  readonly #known = new Map<string, string | null>();

  constructor(private readonly store: HubStore) {}

  async note(tillId: string, header: string | string[] | undefined, now: number, log: FastifyBaseLogger) {
    const version = reportedRulesOf(header);
    if (version === undefined || this.#known.get(tillId) === version) return;
    try {
      await this.store.noteRulesInForce(tillId, version, now);
      if (this.#known.size >= tillsRememberedMax) this.#known.clear();
      this.#known.set(tillId, version);
    } catch (error) {
      log.warn({ err: error, till: tillId }, 'could not note the rule set a till reported');
    }
  }
}
