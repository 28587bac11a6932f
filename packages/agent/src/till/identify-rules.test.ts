import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cardOfPhone,
  type Identification,
  identificationRefusal,
  spendingOf,
  spendsPoints,
} from './identify-rules';

const byPhone: Identification = {
  identificationId: 'idn_AAAAAAAAAAAAAAAAAAAAAA',
  cardId: '2000000000015',
  phone: '+79161234567',
  by: 'phone',
  foundAt: 'till',
  expiresAt: 10_000,
};
const proved: Identification = { ...byPhone, by: 'phone_code' };
const named = { identificationId: byPhone.identificationId, cardCode: byPhone.cardId };

describe('identify rules', () => {
  it('says what a spend is, per route', () => {
    expect(spendsPoints('reserve', {})).toBe(true);
    expect(spendsPoints('quote', {})).toBe(false);
    expect(spendsPoints('quote', { spendPoints: 0, rewards: [] })).toBe(false);
    expect(spendsPoints('quote', { spendPoints: 1 })).toBe(true);
    expect(spendsPoints('commit', { rewards: [{ id: 'r' }] })).toBe(true);
    expect(spendsPoints('commit', { holdId: 'h' })).toBe(true);
    expect(spendsPoints('commit', { spendPoints: 0 })).toBe(false);
  });

  it('lets a request without an identification through untouched', () => {
    expect(identificationRefusal(undefined, { cardCode: 'x', spendPoints: 5 }, true, 0)).toBeUndefined();
  });

  it('lets a phone-only identification earn and never spend; a proved one spend', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 9_999 }), (spends, now) => {
        const phoneOnly = identificationRefusal(byPhone, named, spends, now);
        expect(phoneOnly?.code).toBe(spends ? 'spend_needs_code' : undefined);
        expect(identificationRefusal(proved, named, spends, now)).toBeUndefined();
      }),
    );
  });

  it('refuses an expired identification, another card’s, or one never made', () => {
    expect(identificationRefusal(proved, named, false, 10_000)?.code).toBe('identification_unknown');
    expect(identificationRefusal(proved, { ...named, cardCode: '2000000000022' }, false, 0)?.code).toBe(
      'identification_unknown',
    );
    expect(identificationRefusal(undefined, named, false, 0)?.code).toBe('identification_unknown');
  });

  it('asks for a code online, earns only offline, spends once proved', () => {
    expect(spendingOf(byPhone, true)).toBe('code_needed');
    expect(spendingOf(byPhone, false)).toBe('earn_only');
    expect(spendingOf(proved, false)).toBe('allowed');
  });

  it('takes one card of a phone, refuses none or several', () => {
    expect(cardOfPhone(['a'], '+7…')).toEqual({ ok: true, cardId: 'a' });
    expect(cardOfPhone([], '+7…')).toMatchObject({ ok: false, code: 'phone_unknown' });
    expect(cardOfPhone(['a', 'b'], '+7…')).toMatchObject({ ok: false, code: 'phone_ambiguous' });
  });
});
