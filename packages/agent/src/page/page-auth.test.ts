import { describe, expect, it } from 'vitest';
import { pageRequestProblem, pageSessionValue, readCookie, sameSecret } from './page-auth';

describe('companion page sign-in', () => {
  it('derives a cookie value from the token that is not the token and changes with it', () => {
    const token = 'a-token-of-at-least-24-characters';
    const value = pageSessionValue(token);
    expect(value).not.toContain(token);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pageSessionValue(token)).toBe(value);
    expect(pageSessionValue(`${token}x`)).not.toBe(value);
    expect(sameSecret(value, value)).toBe(true);
    expect(sameSecret(value, `${value}x`)).toBe(false);
    expect(sameSecret(value, undefined)).toBe(false);
  });

  it('reads one cookie from a Cookie header', () => {
    expect(readCookie('a=1; tillpoint_page=xyz; b=2', 'tillpoint_page')).toBe('xyz');
    expect(readCookie('tillpoint_pagex=1', 'tillpoint_page')).toBeUndefined();
    expect(readCookie(undefined, 'tillpoint_page')).toBeUndefined();
    expect(readCookie(`tillpoint_page=${'x'.repeat(9000)}`, 'tillpoint_page')).toBeUndefined();
  });

  it('takes a cookie request only from our loopback host, and a write only from our origin', () => {
    const at = (method: string, host: string | undefined, origin?: string) =>
      pageRequestProblem({ method, host, origin, localPort: 8787 });
    expect(at('GET', '127.0.0.1:8787')).toBeNull();
    expect(at('GET', 'localhost:8787')).toBeNull();
    expect(at('GET', 'LOCALHOST:8787')).toBeNull();
    expect(at('POST', '127.0.0.1:8787', 'http://127.0.0.1:8787')).toBeNull();
    expect(at('POST', '127.0.0.1:8787', 'http://localhost:8787')).toBeNull();
    // DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends its own Host.
    expect(at('GET', 'evil.example:8787')).toMatch(/127\.0\.0\.1:8787/);
    expect(at('GET', '127.0.0.1:9999')).not.toBeNull();
    expect(at('GET', undefined)).not.toBeNull();
    // CSRF: a write from another origin, or with none.
    expect(at('POST', '127.0.0.1:8787')).toMatch(/Origin was "missing"/);
    expect(at('POST', '127.0.0.1:8787', 'http://evil.example')).not.toBeNull();
    expect(at('POST', '127.0.0.1:8787', 'http://127.0.0.1:8787.evil.example')).not.toBeNull();
    expect(at('DELETE', '127.0.0.1:8787', 'null')).not.toBeNull();
  });
});
