import { assert } from '@tillpoint/core';
import { RateLimiter } from '../rate-limiter';

/**
 * Sign-in attempts (password or code), right or wrong, per account and per address: token
 * buckets of `burst` attempts refilled at one per `refillSeconds`. Keyed by the login typed,
 * so unknown logins are limited the same way (nothing tells them apart). In memory: a restart
 * forgets them, which gives a guesser one burst more per restart.
 */
export interface SignInLimits {
  accountBurst: number;
  accountRefillSeconds: number;
  addressBurst: number;
  addressRefillSeconds: number;
}

export const defaultSignInLimits: SignInLimits = {
  accountBurst: 10,
  accountRefillSeconds: 90,
  addressBurst: 30,
  addressRefillSeconds: 30,
};

export class SignInLimiter {
  readonly #accounts: RateLimiter;
  readonly #addresses: RateLimiter;

  constructor(readonly limits: SignInLimits = defaultSignInLimits) {
    assert(limits.accountRefillSeconds > 0 && limits.addressRefillSeconds > 0, 'refill periods > 0', {
      ...limits,
    });
    this.#accounts = new RateLimiter(1 / limits.accountRefillSeconds, limits.accountBurst, 100_000);
    this.#addresses = new RateLimiter(1 / limits.addressRefillSeconds, limits.addressBurst, 100_000);
  }

  /** Takes an attempt; when over, how long to wait before the next one is let through. */
  take(login: string, address: string, now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (!this.#addresses.take(address, now))
      return { ok: false, retryAfterSeconds: Math.ceil(this.limits.addressRefillSeconds) };
    if (!this.#accounts.take(login, now))
      return { ok: false, retryAfterSeconds: Math.ceil(this.limits.accountRefillSeconds) };
    return { ok: true };
  }
}
