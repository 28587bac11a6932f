import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { assert } from '@tillpoint/core';

/**
 * Passwords are hashed with scrypt (RFC 7914, in node:crypto: no native module to build).
 * scrypt is memory-hard: each guess needs `128 × N × r` bytes of fast memory, which is what
 * makes GPU and ASIC guessing expensive. The default N = 2^17, r = 8, p = 1 is OWASP's
 * recommendation for scrypt: 128 MiB and about a third of a second per hash on one core.
 * The stored text names its parameters (`scrypt$17$8$1$salt$hash`), so stronger defaults
 * later still verify old hashes, and tests may hash with cheaper ones.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

export const strongScryptParams: ScryptParams = { logN: 17, r: 8, p: 1 };
const keyBytes = 32;
const saltBytes = 16;

function memoryOf(params: ScryptParams): number {
  return 128 * 2 ** params.logN * params.r * params.p;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      keyBytes,
      { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: memoryOf(params) + 16 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

const storedPattern =
  /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]{1,64})\$([A-Za-z0-9+/=]{1,128})$/;

/**
 * Hashing with a bound on the work in flight: at most `concurrent` hashes run at once (each
 * holds its memory), at most `queued` wait; beyond that `busy` (the caller answers 503).
 */
export class PasswordHasher {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly params: ScryptParams = strongScryptParams,
    readonly concurrent = 2,
    readonly queued = 32,
  ) {
    assert(params.logN >= 1 && params.logN <= 22 && params.r >= 1 && params.p >= 1, 'scrypt parameters', {
      ...params,
    });
    assert(concurrent >= 1 && queued >= 0, 'hasher bounds', { concurrent, queued });
  }

  async hash(password: string): Promise<string | 'busy'> {
    const salt = randomBytes(saltBytes);
    const key = await this.#gated(() => derive(password, salt, this.params));
    if (key === 'busy') return 'busy';
    const { logN, r, p } = this.params;
    return `scrypt$${logN}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** `wrong` also for a stored text that is not a hash this code wrote. */
  async verify(password: string, stored: string): Promise<'ok' | 'wrong' | 'busy'> {
    const match = storedPattern.exec(stored);
    if (!match) return 'wrong';
    const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
    if (params.logN < 1 || params.logN > 22 || params.r < 1 || params.p < 1) return 'wrong';
    const expected = Buffer.from(match[5] as string, 'base64');
    const key = await this.#gated(() => derive(password, Buffer.from(match[4] as string, 'base64'), params));
    if (key === 'busy') return 'busy';
    return expected.length === key.length && timingSafeEqual(expected, key) ? 'ok' : 'wrong';
  }

  async #gated<T>(work: () => Promise<T>): Promise<T | 'busy'> {
    if (this.#running >= this.concurrent) {
      if (this.#waiting.length >= this.queued) return 'busy';
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running += 1;
    try {
      return await work();
    } finally {
      // The slot passes to the next waiter as is, or is freed.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}

export const passwordCharsMin = 12;
export const passwordCharsMax = 256;

/** Why a new password is refused, in words for the person choosing it; null when it is fine. */
export function passwordProblem(password: string, login: string): string | null {
  const chars = [...password].length;
  if (chars < passwordCharsMin) return `a password has at least ${passwordCharsMin} characters`;
  if (chars > passwordCharsMax) return `a password has at most ${passwordCharsMax} characters`;
  if (password.trim().toLowerCase() === login.toLowerCase()) return 'a password must differ from the login';
  if (new Set(password).size < 4) return 'a password needs more different characters';
  return null;
}
