import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226), as authenticator apps make
 * them: HMAC-SHA1, 6 digits, 30-second steps, the key shown as base32 (RFC 4648).
 */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export function hotp(key: Buffer, counter: bigint, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(algorithm, key).update(message).digest();
  // Dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte picks 4 bytes.
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export interface TotpOptions {
  stepSeconds?: number;
  digits?: number;
  algorithm?: TotpAlgorithm;
}

export function totpStep(timeMs: number, stepSeconds = 30): number {
  return Math.floor(timeMs / 1000 / stepSeconds);
}

export function totp(key: Buffer, timeMs: number, options: TotpOptions = {}): string {
  return hotp(
    key,
    BigInt(totpStep(timeMs, options.stepSeconds)),
    options.digits ?? 6,
    options.algorithm ?? 'sha1',
  );
}

/**
 * Checks a code against the steps around `timeMs` (± `window`, clock drift of the phone).
 * A step at or before `lastUsedStep` is refused: a code works once (RFC 6238 §5.2).
 */
export function verifyTotp(
  key: Buffer,
  code: string,
  timeMs: number,
  o: { window?: number; lastUsedStep?: number } = {},
): { ok: true; step: number } | { ok: false } {
  if (!/^\d{6}$/.test(code)) return { ok: false };
  const now = totpStep(timeMs);
  const window = o.window ?? 1;
  for (let step = now - window; step <= now + window; step++) {
    if (step <= (o.lastUsedStep ?? -1)) continue;
    const expected = Buffer.from(hotp(key, BigInt(step)));
    if (timingSafeEqual(expected, Buffer.from(code))) return { ok: true, step };
  }
  return { ok: false };
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case and spaces ignored, no padding needed); null when not base32. */
export function base32Decode(text: string): Buffer | null {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  if (!/^[A-Z2-7]*$/.test(clean)) return null;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new 160-bit key (RFC 4226 recommends the HMAC's output length), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The `otpauth://` URI authenticator apps read (as a QR code or pasted). */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
