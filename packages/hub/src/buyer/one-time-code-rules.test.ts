import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCode, codeAttemptsMax, codeLifetimeMs, newChallenge, newCode } from './one-time-code-rules';

const code6 = fc.stringMatching(/^[0-9]{6}$/);

describe('one-time code rules', () => {
  it('draws six digits, zero-padded', () => {
    expect(newCode(() => 42)).toBe('000042');
    expect(newCode(() => 999_999)).toBe('999999');
    for (let i = 0; i < 50; i++) expect(newCode()).toMatch(/^[0-9]{6}$/);
  });

  it('takes the right code once within its life, whatever wrong tries (fewer than the most) came before', () => {
    fc.assert(
      fc.property(
        code6,
        fc.array(code6, { maxLength: codeAttemptsMax - 1 }),
        fc.integer({ min: 0, max: codeLifetimeMs - 1 }),
        (code, tries, after) => {
          let c = newChallenge({ challengeId: 'otp_x', cardId: 'c', code, now: 1000 });
          let wrongs = 0;
          for (const t of tries.filter((x) => x !== code)) {
            const r = checkCode(c, t, 1000 + after);
            wrongs++;
            expect(r.check).toEqual({ kind: 'wrong', attemptsLeft: codeAttemptsMax - wrongs });
            c = r.next;
          }
          const right = checkCode(c, code, 1000 + after);
          expect(right.check).toEqual({ kind: 'right' });
          expect(checkCode(right.next, code, 1000 + after).check).toEqual({ kind: 'expired', why: 'used' });
        },
      ),
    );
  });

  it('refuses every code from the end of its life on', () => {
    fc.assert(
      fc.property(code6, code6, fc.nat({ max: 10 * codeLifetimeMs }), (code, tried, late) => {
        const c = newChallenge({ challengeId: 'otp_y', cardId: 'c', code, now: 0 });
        expect(checkCode(c, tried, codeLifetimeMs + late).check).toEqual({
          kind: 'expired',
          why: 'timed_out',
        });
      }),
    );
  });

  it('keeps no code, only its hash bound to the challenge', () => {
    const a = newChallenge({ challengeId: 'otp_a', cardId: 'c', code: '123456', now: 0 });
    const b = newChallenge({ challengeId: 'otp_b', cardId: 'c', code: '123456', now: 0 });
    expect(JSON.stringify(a)).not.toContain('123456');
    expect(a.codeHash).not.toBe(b.codeHash);
  });
});
