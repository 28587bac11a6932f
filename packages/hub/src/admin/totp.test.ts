import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, verifyTotp } from './totp';

// RFC 4226 appendix D: key "12345678901234567890", counters 0..9.
const rfc4226 = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

// RFC 6238 appendix B: 8 digits, keys of 20, 32 and 64 bytes.
const rfc6238: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];
const key20 = Buffer.from('12345678901234567890');
const key32 = Buffer.from('12345678901234567890123456789012');
const key64 = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');

describe('HOTP and TOTP (RFC test vectors)', () => {
  it('RFC 4226 HOTP values', () => {
    for (const [counter, code] of rfc4226.entries()) expect(hotp(key20, BigInt(counter))).toBe(code);
  });

  it.each(rfc6238)('RFC 6238 at T=%i', (seconds, sha1, sha256, sha512) => {
    const at = seconds * 1000;
    expect(totp(key20, at, { digits: 8 })).toBe(sha1);
    expect(totp(key32, at, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(totp(key64, at, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
  });
});

describe('verifyTotp', () => {
  // 6-digit SHA-1 codes of the RFC key: the last 6 digits of the 8-digit vectors.
  const at = 1111111111_000;
  it('takes the current code and one step of drift, not two', () => {
    expect(verifyTotp(key20, '050471', at)).toEqual({ ok: true, step: 37037037 });
    expect(verifyTotp(key20, totp(key20, at - 30_000), at).ok).toBe(true);
    expect(verifyTotp(key20, totp(key20, at + 30_000), at).ok).toBe(true);
    expect(verifyTotp(key20, totp(key20, at - 61_000), at).ok).toBe(false);
  });

  it('refuses a code already used (same or earlier step), and malformed codes', () => {
    expect(verifyTotp(key20, '050471', at, { lastUsedStep: 37037037 }).ok).toBe(false);
    expect(verifyTotp(key20, '050471', at, { lastUsedStep: 37037036 }).ok).toBe(true);
    for (const bad of ['', '05047', '0504711', '05047a', ' 050471', '٠٥٠٤٧١']) {
      expect(verifyTotp(key20, bad, at).ok).toBe(false);
    }
  });
});

describe('base32 (RFC 4648 §10 vectors)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%s', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(`${encoded.toLowerCase()}====`)?.toString()).toBe(plain);
  });

  it('round-trips any bytes and refuses other letters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base32Decode(base32Encode(Buffer.from(bytes)))).toEqual(Buffer.from(bytes));
      }),
    );
    expect(base32Decode('MZXW1')).toBeNull();
  });
});
