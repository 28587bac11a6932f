import { createHmac, timingSafeEqual } from 'node:crypto';

/** The companion page's sign-in cookie: HttpOnly, SameSite=Strict, never in a URL. */
export const pageCookieName = 'tillpoint_page';

/** How long a till's browser stays signed in: store IT types the token once. */
export const pageCookieMaxAgeSeconds = 180 * 24 * 3600;

const cookieHeaderCharsMax = 8192;

/**
 * The cookie's value: an HMAC of a fixed label keyed by the API token. The browser never
 * holds the token itself; changing the token signs every browser out; nothing is stored.
 */
export function pageSessionValue(token: string): string {
  return createHmac('sha256', token).update('tillpoint companion page v1').digest('base64url');
}

/** One cookie's value from a Cookie header, or undefined. Bounded: an oversized header is ignored. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > cookieHeaderCharsMax) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sameSecret(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The hosts a cookie-signed request may name: the loopback address or localhost, on the agent's port. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export interface PageRequestFacts {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  /** The port the request arrived on (the agent's own). */
  localPort: number;
}

/**
 * Why a browser (cookie) request must be refused, or null when it may go on. A `Host` other
 * than 127.0.0.1/localhost on our port is a DNS-rebinding attempt; a write without our own
 * `Origin` is a cross-site request (CSRF). Pure: the local API's auth hook and the login route call it.
 */
export function pageRequestProblem(facts: PageRequestFacts): string | null {
  const hosts = allowedHosts(facts.localPort);
  if (facts.host === undefined || !hosts.includes(facts.host.toLowerCase())) {
    return `the companion page must be opened as http://${hosts[0]}/ or http://${hosts[1]}/ (this request named host "${facts.host ?? ''}")`;
  }
  const safe = facts.method === 'GET' || facts.method === 'HEAD';
  if (!safe && (facts.origin === undefined || !hosts.some((h) => facts.origin === `http://${h}`))) {
    return `a write from the companion page must come from http://${hosts[0]} or http://${hosts[1]} (Origin was "${facts.origin ?? 'missing'}")`;
  }
  return null;
}
