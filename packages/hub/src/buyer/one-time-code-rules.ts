import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * One-time codes head office sends to a buyer's phone (pure but for the random draw): six
 * digits, valid `codeLifetimeMs`, used once, at most `codeAttemptsMax` wrong tries.
 */
export const codeLifetimeMs = 5 * 60_000;
export const codeAttemptsMax = 5;
/** A card gets a new code at most this often (SMS cost, and a buyer flooded with texts). */
export const codeResendGapMs = 30_000;

export interface CodeChallenge {
  challengeId: string;
  cardId: string;
  /** SHA-256 of challenge id and code: the code itself is not kept. */
  codeHash: string;
  expiresAt: number;
  attempts: number;
  used: boolean;
}

export type CodeCheck =
  | { kind: 'right' }
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'expired'; why: 'timed_out' | 'used' | 'too_many_tries' };

export function newCode(draw: (max: number) => number = randomInt): string {
  return String(draw(1_000_000)).padStart(6, '0');
}

export function newChallengeId(): string {
  return `otp_${randomBytes(16).toString('base64url')}`;
}

export function codeHash(challengeId: string, code: string): string {
  return createHash('sha256').update(`${challengeId}:${code}`).digest('hex');
}

export function newChallenge(input: {
  challengeId: string;
  cardId: string;
  code: string;
  now: number;
}): CodeChallenge {
  return {
    challengeId: input.challengeId,
    cardId: input.cardId,
    codeHash: codeHash(input.challengeId, input.code),
    expiresAt: input.now + codeLifetimeMs,
    attempts: 0,
    used: false,
  };
}

/** What a code the buyer read out comes to, and the challenge after it (a try counted, or used). */
export function checkCode(
  challenge: CodeChallenge,
  code: string,
  now: number,
): { check: CodeCheck; next: CodeChallenge } {
  if (challenge.used) return { check: { kind: 'expired', why: 'used' }, next: challenge };
  if (now >= challenge.expiresAt) return { check: { kind: 'expired', why: 'timed_out' }, next: challenge };
  if (challenge.attempts >= codeAttemptsMax)
    return { check: { kind: 'expired', why: 'too_many_tries' }, next: challenge };
  const right = timingSafeEqual(
    Buffer.from(codeHash(challenge.challengeId, code), 'hex'),
    Buffer.from(challenge.codeHash, 'hex'),
  );
  if (right) return { check: { kind: 'right' }, next: { ...challenge, used: true } };
  const attempts = challenge.attempts + 1;
  return {
    check: { kind: 'wrong', attemptsLeft: codeAttemptsMax - attempts },
    next: { ...challenge, attempts },
  };
}
