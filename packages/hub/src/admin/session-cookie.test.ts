import { describe, expect, it } from 'vitest';
import { newSessionToken, sameToken, sessionCookie, sessionTokenFrom } from './session-cookie';

describe('session cookie', () => {
  const token = newSessionToken();
  it('is read from among other cookies; malformed values are ignored', () => {
    expect(sessionTokenFrom(`a=1; tillpoint_admin=${token}; b=2`)).toBe(token);
    expect(sessionTokenFrom(`tillpoint_admin=${token.slice(1)}`)).toBeNull();
    expect(sessionTokenFrom(`tillpoint_admin=${token}x`)).toBeNull();
    expect(sessionTokenFrom('tillpoint_admin=')).toBeNull();
    expect(sessionTokenFrom(undefined)).toBeNull();
    expect(sessionTokenFrom(`xtillpoint_admin=${token}`)).toBeNull();
  });

  it('is HttpOnly, SameSite=Strict, limited to the API, Secure over HTTPS only', () => {
    expect(sessionCookie(token, false)).toBe(
      `tillpoint_admin=${token}; Path=/admin/v1; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie(token, true)).toMatch(/; Secure$/);
  });

  it('CSRF tokens compare whole', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
  });
});
