import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatRotatingCode,
  isRotatingCode,
  judgeRotatingCode,
  parseRotatingCode,
  type RotatingCode,
  rotatingCodeLengthMax,
  rotatingCodeStep,
  rotatingCodeStepMs,
} from './rotating-code';

const b64url = (n: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${n}}$`));
const code: fc.Arbitrary<RotatingCode> = fc.record({
  cardId: fc.stringMatching(/^[A-Za-z0-9]{4,64}$/),
  appKey: b64url(43),
  keyExpiresAt: fc.integer({ min: 0, max: 8_640_000_000_000 }),
  hubSignature: b64url(86),
  step: fc.integer({ min: 0, max: 300_000_000 }),
  appSignature: b64url(86),
});
/** A card number as card ranges define them: a prefix of printable ASCII and digits. */
const cardNumber = fc.oneof(
  fc.stringMatching(/^[0-9]{8,20}$/),
  fc.stringMatching(/^[\x21-\x7e]{1,32}$/).filter((s) => !s.startsWith('TPA1.')),
);

describe('rotating code', () => {
  it('reads back what it wrote, within the length bound', () => {
    fc.assert(
      fc.property(code, (c) => {
        const text = formatRotatingCode(c);
        expect(text.length).toBeLessThanOrEqual(rotatingCodeLengthMax);
        expect(parseRotatingCode(text)).toEqual({ ok: true, code: c });
      }),
    );
  });

  it('is told apart from every card number offline', () => {
    fc.assert(
      fc.property(code, cardNumber, (c, card) => {
        expect(isRotatingCode(formatRotatingCode(c))).toBe(true);
        expect(isRotatingCode(card)).toBe(false);
        expect(parseRotatingCode(card).ok).toBe(false);
      }),
    );
  });

  it('refuses any text that is not one, and any one with a part changed to a wrong shape', () => {
    fc.assert(
      fc.property(code, fc.nat({ max: 5 }), fc.constantFrom('', 'x.y', '!', '-1', '1e3'), (c, i, bad) => {
        const parts = formatRotatingCode(c).slice(5).split('.');
        parts[i] = bad;
        expect(parseRotatingCode(`TPA1.${parts.join('.')}`).ok).toBe(false);
      }),
    );
  });

  it('spends while the step is current ± 1 and unseen, earns only when older or seen, never from the future', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 100_000_000 }),
        fc.integer({ min: 0, max: rotatingCodeStepMs - 1 }),
        fc.integer({ min: -5, max: 5 }),
        fc.boolean(),
        (step, into, offset, seen) => {
          const now = step * rotatingCodeStepMs + into;
          expect(rotatingCodeStep(now)).toBe(step);
          const verdict = judgeRotatingCode({ step: step + offset, keyExpiresAt: now + 1 }, now, seen);
          const expected =
            offset > 1
              ? { kind: 'refused', reason: 'from_the_future' }
              : offset < -1
                ? { kind: 'expired' }
                : seen
                  ? { kind: 'replayed' }
                  : { kind: 'fresh' };
          expect(verdict).toEqual(expected);
          expect(judgeRotatingCode({ step, keyExpiresAt: now }, now, false)).toEqual({
            kind: 'refused',
            reason: 'key_expired',
          });
        },
      ),
    );
  });
});
