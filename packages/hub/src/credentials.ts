import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Till credentials: a 32-byte random secret per till (base64url, 43 characters), issued once
 * at enrolment; the hub keeps only its sha256 (a random 256-bit secret needs no slow hash).
 * One-time enrolment codes are 18 random bytes (24 characters), also stored hashed.
 */
export function newTillSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newEnrolCode(): string {
  return randomBytes(18).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function sameHash(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** `Authorization: Bearer <tillId>:<secret>` → its parts, or null when malformed. */
export function parseTillAuthorization(
  header: string | undefined,
): { tillId: string; secret: string } | null {
  if (header === undefined || header.length > 300) return null;
  const match = /^Bearer ([A-Za-z0-9._-]{1,64}):([A-Za-z0-9_-]{43})$/.exec(header);
  if (!match) return null;
  return { tillId: match[1] as string, secret: match[2] as string };
}

export function tillAuthorization(tillId: string, secret: string): string {
  return `Bearer ${tillId}:${secret}`;
}
