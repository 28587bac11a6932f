import { createHmac, createPublicKey, verify } from 'node:crypto';
import { appCodeText, appKeyText, type RotatingCode, rotatingCodeLengthMax } from '@tillpoint/core';
import { z } from 'zod';

/**
 * Identifying a buyer without a plastic card (issue 18): by the phone number, at the till
 * (`POST /v1/cards/identify`) and at head office (`/v1/sync/identify/*`). A buyer found by
 * phone may earn; spending needs a one-time code head office sends to that phone.
 */

/** An international phone number (E.164) as head office keeps it. */
export const e164PhoneSchema = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'an international phone number such as +79161234567');

/**
 * A phone as a cashier types it: spaces, dashes, dots and brackets are dropped, then it must
 * be an international number ("+7 916 123-45-67" is +79161234567).
 */
export const typedPhoneSchema = z
  .string()
  .max(32, 'a phone number is at most 32 characters')
  .transform((text) => text.replace(/[\s\-().]/g, ''))
  .pipe(e164PhoneSchema);

/**
 * The hash a till finds a phone by: HMAC-SHA-256 (hex) of the E.164 phone under the chain's
 * lookup key (base64url, 32 bytes, sent with pulls as `phoneLookupKey`). Head office computes
 * the same for every card's phone (its `phoneHash` in chain/card-profile-rules.ts).
 */
export function phoneLookupHash(lookupKey: string, phone: string): string {
  return createHmac('sha256', Buffer.from(lookupKey, 'base64url')).update(phone, 'utf8').digest('hex');
}

/** True when both signatures of a rotating code hold: head office's on the key, the key's on the step. */
export function verifyRotatingCode(hubPublicKeyPem: string, code: RotatingCode): boolean {
  try {
    const hubSigned = verify(
      null,
      Buffer.from(appKeyText(code.cardId, code.appKey, code.keyExpiresAt)),
      createPublicKey(hubPublicKeyPem),
      Buffer.from(code.hubSignature, 'base64url'),
    );
    if (!hubSigned) return false;
    const appKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: code.appKey }, format: 'jwk' });
    return verify(
      null,
      Buffer.from(appCodeText(code.cardId, code.step)),
      appKey,
      Buffer.from(code.appSignature, 'base64url'),
    );
  } catch {
    return false;
  }
}

/** "+7•••••4567": what a cashier's screen or a log shows of a phone. */
export function maskedPhone(phone: string): string {
  return `${phone.slice(0, 2)}${'•'.repeat(Math.max(0, phone.length - 6))}${phone.slice(-4)}`;
}

/** A one-time code as the buyer reads it out: six digits. */
export const oneTimeCodeSchema = z.string().regex(/^[0-9]{6}$/, 'the six digits sent to the buyer’s phone');

/** An identification the till made (`POST /v1/cards/identify`): quote, reserve and commit name it. */
export const identificationIdSchema = z
  .string()
  .regex(/^idn_[A-Za-z0-9_-]{22}$/, 'an identificationId from POST /v1/cards/identify');

// ---- local API ----

export const identifyRequestSchema = z.union([
  z.strictObject({
    /** The buyer's phone as the cashier typed it. */
    phone: typedPhoneSchema,
  }),
  z.strictObject({
    /** The rotating code from the buyer page's QR (`TPA1.…`), as scanned. */
    code: z.string().min(1).max(rotatingCodeLengthMax),
  }),
]);
export type IdentifyRequest = z.infer<typeof identifyRequestSchema>;

/**
 * What the buyer may do after this identification: `allowed` (the buyer proved the phone with
 * a one-time code), `code_needed` (earn now; send a code to spend), `earn_only` (head office is
 * out of reach, so no code can be sent: earn only).
 */
export const identifySpendingSchema = z.enum(['allowed', 'code_needed', 'earn_only']);
export type IdentifySpending = z.infer<typeof identifySpendingSchema>;

export const identifyAnswerSchema = z.strictObject({
  identificationId: identificationIdSchema,
  /** The buyer's card: quote, reserve and commit with it and this `identificationId`. */
  cardCode: z.string(),
  /** `app_code`: the rotating code from the buyer page (verified offline). */
  by: z.enum(['phone', 'phone_code', 'app_code']),
  /**
   * For `app_code`: `fresh` (current and never taken here: may spend), `expired` (older than a
   * minute: a screenshot) or `replayed` (taken here before): both earn only.
   */
  codeVerdict: z.enum(['fresh', 'expired', 'replayed']).optional(),
  spending: identifySpendingSchema,
  /** Where the card was found: this till's copy of head office's cards, or head office itself. */
  foundAt: z.enum(['till', 'head_office']),
  /** What to tell the cashier. */
  message: z.string(),
  /** ISO time after which the identification is gone (identify again). */
  expiresAt: z.string(),
});
export type IdentifyAnswer = z.infer<typeof identifyAnswerSchema>;

export const sendCodeRequestSchema = z.strictObject({ identificationId: identificationIdSchema });
export type SendCodeRequest = z.infer<typeof sendCodeRequestSchema>;

export const sendCodeAnswerSchema = z.strictObject({
  identificationId: identificationIdSchema,
  /** ISO time after which the code sent no longer works. */
  codeExpiresAt: z.string(),
  message: z.string(),
});
export type SendCodeAnswer = z.infer<typeof sendCodeAnswerSchema>;

export const verifyCodeRequestSchema = z.strictObject({
  identificationId: identificationIdSchema,
  code: oneTimeCodeSchema,
});
export type VerifyCodeRequest = z.infer<typeof verifyCodeRequestSchema>;

// ---- sync protocol (till → head office) ----

/** Cards one phone may match at head office that it names (more: the cashier scans the card). */
export const syncPhoneMatchesMax = 5;

export const syncIdentifyPhoneRequestSchema = z.strictObject({ phone: e164PhoneSchema });
export type SyncIdentifyPhoneRequest = z.infer<typeof syncIdentifyPhoneRequestSchema>;

export const syncIdentifyPhoneResponseSchema = z.strictObject({
  cardIds: z.array(z.string().min(1).max(64)).max(syncPhoneMatchesMax),
});
export type SyncIdentifyPhoneResponse = z.infer<typeof syncIdentifyPhoneResponseSchema>;

export const syncSendCodeRequestSchema = z.strictObject({
  cardId: z.string().min(1).max(64),
  /** The phone the cashier typed: head office sends the code only when it is the card's phone. */
  phone: e164PhoneSchema,
});
export type SyncSendCodeRequest = z.infer<typeof syncSendCodeRequestSchema>;

export const syncChallengeIdSchema = z.string().regex(/^otp_[A-Za-z0-9_-]{22}$/);

export const syncSendCodeResponseSchema = z.strictObject({
  challengeId: syncChallengeIdSchema,
  expiresAt: z.number().int().nonnegative(),
});
export type SyncSendCodeResponse = z.infer<typeof syncSendCodeResponseSchema>;

export const syncVerifyCodeRequestSchema = z.strictObject({
  challengeId: syncChallengeIdSchema,
  code: oneTimeCodeSchema,
});
export type SyncVerifyCodeRequest = z.infer<typeof syncVerifyCodeRequestSchema>;

export const syncVerifyCodeResponseSchema = z.strictObject({
  cardId: z.string().min(1).max(64),
  verified: z.literal(true),
});
export type SyncVerifyCodeResponse = z.infer<typeof syncVerifyCodeResponseSchema>;
