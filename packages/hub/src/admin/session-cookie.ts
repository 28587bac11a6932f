import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The admin session cookie: 32 random bytes (base64url, 43 characters), HttpOnly (scripts
 * cannot read it), SameSite=Strict (no other site's page sends it), Path=/admin/v1 (only the
 * API gets it), Secure when the hub is reached over HTTPS, and no Max-Age (it goes when the
 * browser closes; the hub ends it earlier by its own clock). The store keeps only its sha256.
 */
export const sessionCookieName = 'tillpoint_admin';
export const sessionCookiePath = '/admin/v1';

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The session token from a `Cookie` header, or null (malformed values are ignored). */
export function sessionTokenFrom(cookieHeader: string | undefined): string | null {
  if (cookieHeader === undefined || cookieHeader.length > 8192) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== sessionCookieName) continue;
    const value = part.slice(eq + 1).trim();
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return null;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${sessionCookieName}=${token}; Path=${sessionCookiePath}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${sessionCookieName}=; Path=${sessionCookiePath}; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
