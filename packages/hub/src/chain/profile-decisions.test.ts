import { describe, expect, it } from 'vitest';
import type { EnrolFact } from './chain-facts';
import { applyProfilePatch, decideEnrolment, decideProfileArrival, mergeGroups } from './profile-decisions';

const fact = (over: Partial<EnrolFact> = {}): EnrolFact => ({
  cardId: 'c',
  txnId: 'tx-2',
  tillId: 't3',
  profileRef: 'ref-2',
  consentAt: 5,
  occurredAt: 5,
  legacyPhone: null,
  ...over,
});

describe('decideEnrolment', () => {
  it('keeps a second enrolment as a conflict under its ref (or the entry’s, for one from before refs)', () => {
    expect(decideEnrolment({ won: false, profile: undefined }, fact())).toEqual({
      kind: 'conflict',
      profileRef: 'ref-2',
    });
    expect(decideEnrolment({ won: false, profile: undefined }, fact({ profileRef: null }))).toEqual({
      kind: 'conflict',
      profileRef: 'entry:tx-2',
    });
  });

  it('moves aside a profile another till’s enrolment sent first; a profile head office made stays', () => {
    const other = { profileRef: 'ref-1', phone: '+7900', consentAt: 1 };
    expect(decideEnrolment({ won: true, profile: other }, fact())).toEqual({
      kind: 'first',
      displaced: true,
      legacyProfile: false,
    });
    expect(decideEnrolment({ won: true, profile: { ...other, profileRef: 'ref-2' } }, fact()).kind).toBe(
      'first',
    );
    expect(
      decideEnrolment({ won: true, profile: { profileRef: null, phone: null, consentAt: null } }, fact()),
    ).toEqual({
      kind: 'first',
      displaced: false,
      legacyProfile: false,
    });
    expect(
      decideEnrolment({ won: true, profile: undefined }, fact({ profileRef: null, legacyPhone: '+7911' })),
    ).toEqual({ kind: 'first', displaced: false, legacyProfile: true });
  });
});

describe('decideProfileArrival', () => {
  const enrolment = { txnId: 'tx-1', profileRef: 'ref-1' };
  it.each([
    ['the winning enrolment’s', { enrolment, profile: undefined, refErased: false }, 'ref-1', 'store'],
    ['another enrolment’s', { enrolment, profile: undefined, refErased: false }, 'ref-2', 'conflict'],
    ['an erased one', { enrolment, profile: undefined, refErased: true }, 'ref-1', 'drop'],
    [
      'the first, before any entry',
      { enrolment: undefined, profile: undefined, refErased: false },
      'ref-9',
      'store',
    ],
    [
      'a second, before any entry',
      { enrolment: undefined, profile: { profileRef: 'ref-1', phone: '+7', consentAt: 1 }, refErased: false },
      'ref-2',
      'conflict',
    ],
    [
      'one for a profile head office made',
      { enrolment: undefined, profile: { profileRef: null, phone: null, consentAt: null }, refErased: false },
      'ref-2',
      'store',
    ],
  ] as const)('%s', (_, held, ref, expected) => {
    expect(decideProfileArrival(held, ref)).toBe(expected);
  });
});

describe('applyProfilePatch and mergeGroups', () => {
  it('changes only the fields given; null clears', () => {
    const held = {
      profile: { profileRef: 'r', phone: '+7', name: 'A', birthDate: '1990-03-08', consentAt: 1 },
      traits: { groups: ['b', 'a'], referredBy: 'x' },
    };
    expect(applyProfilePatch(held, { name: null, groups: ['z', 'z', 'y'] })).toEqual({
      profile: {
        profileRef: 'r',
        phone: '+7',
        name: null,
        birthDate: '1990-03-08',
        consentAt: 1,
        birthMonthDay: '03-08',
      },
      traits: { groups: ['y', 'z'], referredBy: 'x' },
    });
  });

  it('adds up to the bound and reports the rows past it by line; removes', () => {
    const rows = Array.from({ length: 34 }, (_, i) => ({
      line: i + 10,
      group: `g${String(i).padStart(2, '0')}`,
    }));
    const added = mergeGroups(['g00'], rows, 'add');
    expect(added.groups).toHaveLength(32);
    expect(added.rejected.map((r) => r.line)).toEqual([42, 43]);
    expect(added.changed).toBe(true);
    expect(mergeGroups(['a', 'b'], [{ line: 1, group: 'a' }], 'remove')).toEqual({
      groups: ['b'],
      rejected: [],
      changed: true,
    });
    expect(mergeGroups(['a'], [{ line: 1, group: 'a' }], 'add').changed).toBe(false);
  });
});
