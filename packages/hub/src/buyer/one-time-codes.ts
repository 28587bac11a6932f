import {
  type CodeChallenge,
  type CodeCheck,
  checkCode,
  codeLifetimeMs,
  codeResendGapMs,
} from './one-time-code-rules';

/** Challenges head office keeps at once (in memory: a code lives 5 minutes). */
export const codeChallengesMax = 10_000;

/**
 * The one-time codes in flight, in this hub process's memory, bounded by `codeChallengesMax`
 * (the oldest go first). A restart forgets them: the buyer asks for a new code. Decisions are
 * `one-time-code-rules.ts`'s; this only keeps them.
 */
export class OneTimeCodes {
  readonly #byId = new Map<string, CodeChallenge>();
  readonly #lastSentAt = new Map<string, number>();

  /** Milliseconds until this card may get another code (0: now). */
  waitBeforeSending(cardId: string, now: number): number {
    const last = this.#lastSentAt.get(cardId);
    return last === undefined ? 0 : Math.max(0, last + codeResendGapMs - now);
  }

  add(challenge: CodeChallenge, now: number): void {
    this.#forgetExpired(now);
    while (this.#byId.size >= codeChallengesMax) {
      const oldest = this.#byId.keys().next().value;
      if (oldest === undefined) break;
      this.#byId.delete(oldest);
    }
    this.#byId.set(challenge.challengeId, challenge);
    this.#lastSentAt.delete(challenge.cardId);
    this.#lastSentAt.set(challenge.cardId, now);
  }

  /** Undefined: no such challenge (never made, forgotten, or long expired). */
  check(challengeId: string, code: string, now: number): { check: CodeCheck; cardId: string } | undefined {
    const challenge = this.#byId.get(challengeId);
    if (challenge === undefined) return undefined;
    const { check, next } = checkCode(challenge, code, now);
    this.#byId.set(challengeId, next);
    return { check, cardId: challenge.cardId };
  }

  #forgetExpired(now: number): void {
    // Insertion order is expiry order (one lifetime for all): stop at the first live one.
    for (const [id, c] of this.#byId) {
      if (c.expiresAt + codeLifetimeMs > now) break;
      this.#byId.delete(id);
    }
    for (const [cardId, at] of this.#lastSentAt) {
      if (at + codeResendGapMs > now) break;
      this.#lastSentAt.delete(cardId);
    }
  }
}
