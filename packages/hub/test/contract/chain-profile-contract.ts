import { Readable } from 'node:stream';
import { syncChangesResponseSchema } from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import { assignSegmentsFromCsv } from '../../src/chain/assign-segments';
import { phoneHash } from '../../src/chain/card-profile-rules';
import type { HubStore } from '../../src/hub-store';
import type { ContractContext } from './contract-context';

const push = (s: HubStore, till: SyntheticTill, storeId: string, now: number, from: number, to = from) =>
  s.applyBatch({ tillId: till.tillId, storeId, entries: till.slice(from, to), now });

const pull = async (s: HubStore, cursor: number, now: number, tillId = 't1', storeId = 's1') =>
  syncChangesResponseSchema.parse(
    await s.changesSince({ tillId, storeId, cursor, limit: 100, now, version: 2 }),
  );

/** Enrolment first-wins, profiles, segments and erasure at head office (docs/chain-sync.md). */
export function chainProfileContract({ fresh, now, catalog }: ContractContext): void {
  it('keeps the first enrolment and its profile; a second one (another till, offline) is a conflict for review', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    t1.enrol('card-a', 'ref-1', 400);
    t3.enrol('card-a', 'ref-2', 450);
    await push(s, t1, 's1', now, 1);
    await push(s, t3, 's2', now, 1);
    const acknowledged = await s.saveProfiles({
      storeId: 's2',
      tillId: 't3',
      profiles: [{ cardId: 'card-a', profileRef: 'ref-2', phone: '+79160000002', consentAt: 450 }],
      now,
    });
    expect(acknowledged).toEqual(['ref-2']);
    await s.saveProfiles({
      storeId: 's1',
      tillId: 't1',
      profiles: [{ cardId: 'card-a', profileRef: 'ref-1', phone: '+79160000001', consentAt: 400 }],
      now,
    });
    const state = await s.getCardState('card-a', now);
    expect(state).toMatchObject({ status: 'enrolled', enrolledAt: 400 });
    expect(state?.phoneHash).toBe(phoneHash(await s.phoneLookupKey(), '+79160000001'));
    expect(state?.profile).toEqual({ birthMonthDay: null, groups: [], referredBy: null, completeness: 33 });
    expect(await s.enrolConflicts(10)).toEqual([
      {
        cardId: 'card-a',
        profileRef: 'ref-2',
        txnId: t3.entries[0]?.txnId,
        tillId: 't3',
        at: 450,
        hasPhone: true,
      },
    ]);
    expect((await s.getCard('card-a', now))?.flagReasons).toEqual(['enrol_conflict']);
  });

  it('moves a profile that arrived first to the conflicts when another till’s enrolment reaches head office first', async () => {
    const s = await fresh();
    await s.saveProfiles({
      storeId: 's2',
      tillId: 't3',
      profiles: [{ cardId: 'card-a', profileRef: 'ref-2', phone: '+79160000002', consentAt: 450 }],
      now,
    });
    const t1 = new SyntheticTill('t1');
    t1.enrol('card-a', 'ref-1', 400);
    await push(s, t1, 's1', now, 1);
    expect((await s.getCardState('card-a', now))?.phoneHash).toBeNull();
    expect((await s.enrolConflicts(10)).map((c) => [c.profileRef, c.hasPhone])).toEqual([['ref-2', true]]);
  });

  it('sets a card’s profile at head office; every till of a store that knows the card gets it with a new number', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    t1.earn('card-a', 10);
    await push(s, t1, 's1', now, 1);
    const first = await pull(s, 0, now);
    await expect(s.setCardProfile('card-a', { birthDate: '1990-02-30' }, now)).rejects.toThrow();
    const view = await s.setCardProfile(
      'card-a',
      { name: 'Anna', birthDate: '1990-03-08', groups: ['women', 'vip', 'vip'], referredBy: 'card-r' },
      now,
    );
    expect(view).toEqual({
      cardId: 'card-a',
      hasPhone: false,
      name: 'Anna',
      birthDate: '1990-03-08',
      groups: ['vip', 'women'],
      referredBy: 'card-r',
      completeness: 67,
    });
    const next = await pull(s, first.cursor, now);
    expect(next.balances.map((b) => [b.cardId, b.card?.profile])).toEqual([
      [
        'card-a',
        { birthMonthDay: '03-08', groups: ['vip', 'women'], referredBy: 'card-r', completeness: 67 },
      ],
    ]);
    const t2 = await pull(s, 0, now, 't2');
    expect(t2.balances[0]?.card?.profile?.groups).toEqual(['vip', 'women']);
    // Only what is given changes.
    expect(await s.setCardProfile('card-a', { name: null }, now)).toMatchObject({
      name: null,
      birthDate: '1990-03-08',
    });
  });

  it('assigns segments from a file in batches, reporting refused lines by number', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    for (const card of ['card-a', 'card-b']) t1.earn(card, 1);
    await push(s, t1, 's1', now, 1, 2);
    const first = await pull(s, 0, now);
    const many = Array.from({ length: 33 }, (_, i) => `card-b,g${String(i).padStart(2, '0')}`);
    const file = [
      'card,segment',
      'card-a,women',
      '',
      'card-a,"vip"',
      'broken line',
      'card-c,has space',
      ...many,
    ].join('\r\n');
    const report = await assignSegmentsFromCsv(s, Readable.from([file.slice(0, 7), file.slice(7)]), {
      mode: 'add',
      now,
      batchMax: 5,
    });
    expect(report.rowsRead).toBe(35);
    expect(report.cardChanges).toBeGreaterThanOrEqual(2);
    expect(report.rejectedCount).toBe(3);
    expect(report.rejected).toEqual([
      { line: 5, reason: 'expected 2 fields "card,segment", found 1' },
      { line: 6, reason: expect.stringMatching(/^segment "has space"/) },
      { line: 39, reason: 'the card already has 32 segments, the most a card may have' },
    ]);
    const next = await pull(s, first.cursor, now);
    expect(next.balances.map((b) => [b.cardId, b.card?.profile?.groups.length])).toEqual([
      ['card-a', 2],
      ['card-b', 32],
    ]);
    const removed = await assignSegmentsFromCsv(s, Readable.from(['card-a,vip\n']), { mode: 'remove', now });
    expect(removed).toMatchObject({ rowsRead: 1, cardChanges: 1, rejected: [], rejectedCount: 0 });
    expect((await s.getCardState('card-a', now))?.profile?.groups).toEqual(['women']);
  });

  it('erases a person: nothing of them is left in any table, the erasure is recorded, the tills are told', async () => {
    const s = await fresh();
    const second = '+79167654321';
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    t1.enrolLegacy('card-a', '+79165550000', 300); // an entry from before: the phone in detail
    t3.enrol('card-a', 'ref-2', 450); // a second enrolment, offline elsewhere: a conflict
    t1.sell('card-a', {
      receiptId: 'R',
      lines: [{ lineId: 'x', quantity: 1, unitPriceMinor: 100, earnedPoints: 1 }],
    });
    await push(s, t1, 's1', now, 1, 2);
    await push(s, t3, 's2', now, 1);
    await s.saveProfiles({
      storeId: 's2',
      tillId: 't3',
      profiles: [{ cardId: 'card-a', profileRef: 'ref-2', phone: second, consentAt: 450 }],
      now,
    });
    await s.setCardProfile(
      'card-a',
      { name: 'Ирина Соколова', birthDate: '1985-11-23', groups: ['vip'] },
      now,
    );
    const hash = phoneHash(await s.phoneLookupKey(), '+79165550000');
    const personal = ['+79165550000', '79165550000', second, 'Ирина Соколова', '1985-11-23', hash];
    const cells = async () => (catalog ? await catalog(s) : []);
    const holding = (list: { table: string; value: string }[]) =>
      [...new Set(list.filter((c) => personal.some((p) => c.value.includes(p))).map((c) => c.table))].sort();
    if (catalog) expect(holding(await cells())).toEqual(['card_profile', 'enrol_conflict']);
    const before = await pull(s, 0, now);
    expect(before.balances[0]?.card?.phoneHash).toBe(hash);

    expect(await s.eraseCard('card-a', now + 1)).toEqual({
      erased: true,
      profileRecords: 1,
      conflictPhones: 1,
      journalBodies: 0,
    });
    if (catalog) {
      const after = await cells();
      expect(after.length).toBeGreaterThan(50);
      expect(holding(after)).toEqual([]);
      expect(after.some((c) => c.table === 'card_erasure')).toBe(true);
    }
    const told = await pull(s, before.cursor, now);
    expect(told.balances.map((b) => [b.cardId, b.card?.phoneHash, b.card?.profile])).toEqual([
      ['card-a', null, { birthMonthDay: null, groups: ['vip'], referredBy: null, completeness: 0 }],
    ]);
    // A till that sends the erased enrolment's data late: acknowledged, not kept.
    expect(
      await s.saveProfiles({
        storeId: 's2',
        tillId: 't3',
        profiles: [{ cardId: 'card-a', profileRef: 'ref-2', phone: second, consentAt: 450 }],
        now,
      }),
    ).toEqual(['ref-2']);
    if (catalog) expect(holding(await cells())).toEqual([]);
    expect(await s.getCard('card-a', now)).toMatchObject({ available: 1 });
    expect(await s.eraseCard('card-a', now + 2)).toMatchObject({ erased: false });
  });

  it('blanks the phone an enrolment from before this design carries, keeping it in the erasable profile', async () => {
    const s = await fresh();
    const t1 = new SyntheticTill('t1');
    t1.enrolLegacy('card-a', '+79160001122', 300);
    await push(s, t1, 's1', now, 1);
    const state = await s.getCardState('card-a', now);
    expect(state).toMatchObject({ status: 'enrolled', enrolledAt: 300 });
    expect(state?.phoneHash).toBe(phoneHash(await s.phoneLookupKey(), '+79160001122'));
    if (catalog) {
      const cells = await catalog(s);
      const tables = [...new Set(cells.filter((c) => c.value.includes('79160001122')).map((c) => c.table))];
      expect(tables).toEqual(['card_profile']);
      expect(cells.some((c) => c.table === 'journal_redaction' && c.value === 'detail.phone')).toBe(true);
    }
    // The hash the hub holds is the one it checked: a replay of the batch is recognised.
    expect(await push(s, t1, 's1', now, 1)).toEqual({ kind: 'replayed', ackedThrough: 1 });
  });
}
