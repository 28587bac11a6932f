/**
 * The rotating code a buyer's phone shows (issue 18), as text in a QR code:
 *
 *   TPA1.<cardId>.<appKey>.<keyExpiresAt>.<hubSignature>.<step>.<appSignature>
 *
 * `appKey` is the buyer page's own Ed25519 public key (base64url, 32 bytes) and
 * `hubSignature` head office's signature of `appKeyText(...)` (the key is the card's until
 * `keyExpiresAt`, Unix ms): a till verifies it with head office's public key it already pins.
 * `appSignature` is the page's signature of `appCodeText(cardId, step)` for the 30 s `step`.
 * A till holds no private key, so it cannot make a code. Pure: no crypto here (the signatures
 * are checked by `verifyRotatingCode` in `@tillpoint/protocol`).
 */

export const rotatingCodePrefix = 'TPA1.';
export const rotatingCodeStepMs = 30_000;
/** Steps either side of now a code is fresh for spending (clocks differ; a QR is read late). */
export const rotatingCodeStepsLeeway = 1;
/** The longest text a rotating code may be (a 64-character card id). */
export const rotatingCodeLengthMax = 320;

export interface RotatingCode {
  cardId: string;
  appKey: string;
  keyExpiresAt: number;
  hubSignature: string;
  step: number;
  appSignature: string;
}

const cardIdPattern = /^[A-Za-z0-9]{4,64}$/;
const keyPattern = /^[A-Za-z0-9_-]{43}$/;
const signaturePattern = /^[A-Za-z0-9_-]{86}$/;
const wholePattern = /^(0|[1-9][0-9]{0,15})$/;

/** True when a scanned text has the rotating code's shape (no card range starts with `TPA1.`). */
export function isRotatingCode(text: string): boolean {
  return text.startsWith(rotatingCodePrefix);
}

export type RotatingCodeParse = { ok: true; code: RotatingCode } | { ok: false; reason: string };

export function parseRotatingCode(text: string): RotatingCodeParse {
  if (!isRotatingCode(text)) return { ok: false, reason: 'not a rotating code' };
  if (text.length > rotatingCodeLengthMax) return { ok: false, reason: 'too long' };
  const parts = text.slice(rotatingCodePrefix.length).split('.');
  if (parts.length !== 6) return { ok: false, reason: 'not six parts' };
  const [cardId, appKey, expires, hubSignature, step, appSignature] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!cardIdPattern.test(cardId)) return { ok: false, reason: 'card id' };
  if (!keyPattern.test(appKey)) return { ok: false, reason: 'app key' };
  if (!wholePattern.test(expires) || !wholePattern.test(step)) return { ok: false, reason: 'numbers' };
  if (!signaturePattern.test(hubSignature) || !signaturePattern.test(appSignature))
    return { ok: false, reason: 'signatures' };
  const keyExpiresAt = Number(expires);
  const stepNumber = Number(step);
  if (!Number.isSafeInteger(keyExpiresAt) || !Number.isSafeInteger(stepNumber))
    return { ok: false, reason: 'numbers' };
  return {
    ok: true,
    code: { cardId, appKey, keyExpiresAt, hubSignature, step: stepNumber, appSignature },
  };
}

export function formatRotatingCode(c: RotatingCode): string {
  return `${rotatingCodePrefix}${c.cardId}.${c.appKey}.${c.keyExpiresAt}.${c.hubSignature}.${c.step}.${c.appSignature}`;
}

/** What head office signs to give a buyer page's key to a card. */
export function appKeyText(cardId: string, appKey: string, keyExpiresAt: number): string {
  return `tillpoint-app-key:v1\n${cardId}\n${appKey}\n${keyExpiresAt}`;
}

/** What the buyer page signs for one time step. */
export function appCodeText(cardId: string, step: number): string {
  return `tillpoint-app-code:v1\n${cardId}\n${step}`;
}

export function rotatingCodeStep(nowMs: number): number {
  return Math.floor(nowMs / rotatingCodeStepMs);
}

/**
 * What a code with good signatures may do at `nowMs`: spend while its step is current (± the
 * leeway) and this till has not taken it before; otherwise earn only (a screenshot, a code read
 * twice). A key past its expiry or a step from the future beyond the leeway identifies nobody.
 */
export type RotatingCodeVerdict =
  | { kind: 'fresh' }
  | { kind: 'expired' }
  | { kind: 'replayed' }
  | { kind: 'refused'; reason: 'key_expired' | 'from_the_future' };

export function judgeRotatingCode(
  code: Pick<RotatingCode, 'step' | 'keyExpiresAt'>,
  nowMs: number,
  seenBefore: boolean,
): RotatingCodeVerdict {
  if (code.keyExpiresAt <= nowMs) return { kind: 'refused', reason: 'key_expired' };
  const current = rotatingCodeStep(nowMs);
  if (code.step > current + rotatingCodeStepsLeeway) return { kind: 'refused', reason: 'from_the_future' };
  if (code.step < current - rotatingCodeStepsLeeway) return { kind: 'expired' };
  return seenBefore ? { kind: 'replayed' } : { kind: 'fresh' };
}
