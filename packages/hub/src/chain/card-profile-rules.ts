import { createHmac, randomBytes } from 'node:crypto';
import { assert } from '@tillpoint/core';
import { cardGroupsMax } from '@tillpoint/protocol';
import { z } from 'zod';

/**
 * A card's profile at head office (pure): what the rules read of it (birth month and day,
 * groups, referred-by, completeness) and the personal data kept only in the erasable
 * `card_profile` record (phone, name, full birth date). docs/chain-sync.md, "Enrolment and
 * personal data".
 */

/** A raw card group ("segment" to the marketer): the program's segments name groups. */
export const cardGroupSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^\s,;"'\\]+$/, 'letters, digits and punctuation other than , ; quotes and spaces');

/** A local date "YYYY-MM-DD" that exists in the calendar. */
export const birthDateSchema = z.iso.date('a date as YYYY-MM-DD, e.g. 1990-03-08');

/** What head office may set on a card's profile (each field left out stays as it is; null clears it). */
export const cardProfilePatchSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(128).nullable().optional(),
  birthDate: birthDateSchema.nullable().optional(),
  groups: z.array(cardGroupSchema).max(cardGroupsMax, `at most ${cardGroupsMax} groups a card`).optional(),
  referredBy: z.string().min(1).max(64).nullable().optional(),
});
export type CardProfilePatch = z.infer<typeof cardProfilePatchSchema>;

/** The profile as head office holds it (personal fields null when unknown or erased). */
export interface CardProfileRecord {
  phone: string | null;
  name: string | null;
  birthDate: string | null;
  groups: string[];
  referredBy: string | null;
}

/**
 * How complete the buyer's profile is, 0–100: phone, name and birth date, a third each
 * (rounded: 0, 33, 67, 100). Groups and referral are head office's, not the buyer's.
 */
export function profileCompleteness(
  profile: Pick<CardProfileRecord, 'phone' | 'name' | 'birthDate'>,
): number {
  const filled = [profile.phone, profile.name, profile.birthDate].filter((v) => v !== null).length;
  return Math.round((filled * 100) / 3);
}

/** "MM-DD" of a birth date: all the rules (and the tills) see of it. */
export function birthMonthDay(birthDate: string | null): string | null {
  return birthDate === null ? null : birthDate.slice(5, 10);
}

/** Groups in one order, each once (so equal sets compare equal and a snapshot is stable). */
export function normalGroups(groups: readonly string[]): string[] {
  return [...new Set(groups)].sort();
}

/** The chain's phone lookup key: 32 random bytes, base64url (generated once by the hub). */
export function newPhoneLookupKey(): string {
  return randomBytes(32).toString('base64url');
}

/** HMAC-SHA-256 (hex) of the E.164 phone under the chain's lookup key (what tills look a phone up by). */
export function phoneHash(lookupKey: string, phone: string): string {
  assert(/^[A-Za-z0-9_-]{43}$/.test(lookupKey), 'a lookup key is 32 bytes of base64url');
  return createHmac('sha256', Buffer.from(lookupKey, 'base64url')).update(phone, 'utf8').digest('hex');
}
