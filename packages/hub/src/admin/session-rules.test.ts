import { describe, expect, it } from 'vitest';
import type { AdminSession, AdminUser } from './admin-store';
import { defaultSessionPolicy, sessionState } from './session-rules';

const t0 = 1_800_000_000_000;
const session: AdminSession = {
  idHash: 'h',
  userId: 'u',
  stage: 'active',
  csrfToken: 'c',
  createdAt: t0,
  lastSeenAt: t0,
  expiresAt: t0 + 12 * 3_600_000,
  address: '127.0.0.1',
  totpFailures: 0,
};
const user = { disabled: false } as AdminUser;

describe('sessionState', () => {
  it('active until 30 minutes idle or 12 hours in all', () => {
    expect(sessionState(session, user, t0 + 29 * 60_000, defaultSessionPolicy).kind).toBe('active');
    expect(sessionState(session, user, t0 + 30 * 60_000, defaultSessionPolicy)).toEqual({
      kind: 'expired',
      why: 'idle',
    });
    const busy = { ...session, lastSeenAt: t0 + 12 * 3_600_000 - 1 };
    expect(sessionState(busy, user, t0 + 12 * 3_600_000, defaultSessionPolicy)).toEqual({
      kind: 'expired',
      why: 'absolute',
    });
  });

  it('a disabled or deleted account ends its sessions; a second factor pending is not a session', () => {
    expect(sessionState(session, { disabled: true } as AdminUser, t0, defaultSessionPolicy)).toEqual({
      kind: 'ended',
      why: 'disabled',
    });
    expect(sessionState(session, null, t0, defaultSessionPolicy).kind).toBe('ended');
    expect(sessionState({ ...session, stage: 'totp' }, user, t0, defaultSessionPolicy).kind).toBe(
      'totp_pending',
    );
  });
});
