import { createHash } from 'node:crypto';
import type { OutboxEntry } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { expect, it } from 'vitest';
import type { ContractContext } from './contract-context';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Enrolment and pushes: what a batch writes, what it refuses. */
export function pushContract({ fresh, now }: ContractContext): void {
  it('enrols a till once with its one-time code, and never with a wrong or expired one', async () => {
    const s = await fresh();
    expect(await s.enrolTill({ tillId: 't1', codeHash: sha('wrong'), secretHash: 'x', now })).toBeNull();
    expect(
      await s.enrolTill({ tillId: 't1', codeHash: sha('code-1'), secretHash: sha('secret'), now }),
    ).toEqual({
      tillId: 't1',
      storeId: 's1',
      secretHash: sha('secret'),
    });
    expect(
      await s.enrolTill({ tillId: 't1', codeHash: sha('code-1'), secretHash: sha('other'), now }),
    ).toBeNull();
    expect((await s.getTill('t1'))?.secretHash).toBe(sha('secret'));
    expect(
      await s.enrolTill({ tillId: 't2', codeHash: sha('code-2'), secretHash: 'y', now: now + 60_000 }),
    ).toBeNull();
    expect(await s.getTill('nope')).toBeNull();
  });

  it('applies a batch once, acks through its last seq, and keeps balances equal to postings', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    till.earn('card-a', 100);
    till.earn('card-b', 40);
    till.spend('card-a', 30);
    const outcome = await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now });
    expect(outcome).toEqual({
      kind: 'applied',
      ackedThrough: 3,
      applied: 3,
      duplicates: 0,
      overdraftBooked: 0,
    });
    expect(await s.getCard('card-a', now)).toMatchObject({
      points: 70,
      available: 70,
      pending: 0,
      flagged: false,
    });
    expect(await s.getCard('card-b', now)).toMatchObject({ points: 40, available: 40 });
    expect(await s.unbalancedCards(10)).toEqual([]);
    expect((await s.journalKeys(100)).map((k) => k.seq)).toEqual([1, 2, 3]);
  });

  it('refuses a replayed batch and writes nothing; applies only the new part of an overlapping one', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 5; i++) till.earn('card-a', 10 + i);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now });
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 3), now })).toEqual({
      kind: 'replayed',
      ackedThrough: 3,
    });
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(2, 5), now })).toMatchObject(
      {
        kind: 'applied',
        ackedThrough: 5,
        applied: 2,
        duplicates: 2,
      },
    );
    expect((await s.journalKeys(100)).length).toBe(5);
    expect((await s.getCard('card-a', now))?.points).toBe(10 + 11 + 12 + 13 + 14);
  });

  it('answers a gap with the expected seq and a broken chain with the seq, writing nothing', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 4; i++) till.earn('card-a', 5);
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(2, 4), now })).toEqual({
      kind: 'gap',
      expectedSeq: 1,
    });
    const tampered = till.slice(1, 2).map((e) => ({ ...e }));
    (tampered[1] as { cardId: string }).cardId = 'card-z';
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: tampered, now })).toMatchObject({
      kind: 'chain_broken',
      seq: 2,
    });
    expect(await s.journalKeys(100)).toEqual([]);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now });
    const forged = till.slice(2, 3).map((e) => ({ ...e, hash: 'f'.repeat(64) }));
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: forged, now })).toMatchObject({
      kind: 'chain_broken',
      seq: 2,
    });
    expect((await s.journalKeys(100)).length).toBe(2);
  });

  it('answers chain_broken, writing nothing, for a tampered batch that would also fail to write', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 3; i++) till.earn('card-a', 5);
    const unbalanced = till.slice(1, 3).map((e) => ({ ...e, postings: e.postings.map((p) => ({ ...p })) }));
    (unbalanced[2] as { postings: { amount: number }[] }).postings[0] = {
      ...(unbalanced[2]?.postings[0] as OutboxEntry['postings'][number]),
      amount: 500,
    };
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: unbalanced, now })).toMatchObject({
      kind: 'chain_broken',
      seq: 3,
    });
    expect(await s.journalKeys(100)).toEqual([]);
    expect(await s.getCard('card-a', now)).toBeNull();
  });

  it('answers a gap or a replay even for a batch whose rows could not be written', async () => {
    const s = await fresh();
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 3; i++) till.earn('card-a', 5);
    // A posting leg past any integer column: the rows cannot be written anywhere.
    const unwritable = till.entries.map((e) => ({
      ...e,
      postings: e.postings.map((p) => ({ ...p, leg: p.leg + 2 ** 40 })),
    }));
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: unwritable.slice(1, 3), now })).toEqual(
      {
        kind: 'gap',
        expectedSeq: 1,
      },
    );
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 2), now });
    // Held entries are compared by hash only: a replay is answered before anything is written.
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: unwritable.slice(0, 2), now })).toEqual(
      {
        kind: 'replayed',
        ackedThrough: 2,
      },
    );
    expect((await s.journalKeys(10)).length).toBe(2);
  });

  it('starts a new epoch of the same till at seq 1', async () => {
    const s = await fresh();
    const first = new SyntheticTill('t1', 'e1');
    first.earn('card-a', 5);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: first.slice(1, 1), now });
    const second = new SyntheticTill('t1', 'e2');
    second.earn('card-a', 7);
    expect(
      await s.applyBatch({ tillId: 't1', storeId: 's1', entries: second.slice(1, 1), now }),
    ).toMatchObject({
      kind: 'applied',
      ackedThrough: 1,
    });
    expect((await s.getCard('card-a', now))?.points).toBe(12);
  });

  it('books an offline overspend at two tills to the overdraft, flags the card, and never refuses it', async () => {
    const s = await fresh();
    const a = new SyntheticTill('t1');
    const b = new SyntheticTill('t2');
    a.earn('card-a', 100);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(1, 1), now });
    // Both tills saw a snapshot of 100 and each spent 80 of it offline.
    b.spend('card-a', 80);
    a.spend('card-a', 80);
    expect(await s.applyBatch({ tillId: 't2', storeId: 's1', entries: b.slice(1, 1), now })).toMatchObject({
      overdraftBooked: 0,
    });
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: a.slice(2, 2), now })).toMatchObject({
      kind: 'applied',
      overdraftBooked: 60,
    });
    expect(await s.getCard('card-a', now)).toMatchObject({
      points: 0,
      available: 0,
      overdraft: 60,
      flagged: true,
    });
    expect(await s.unbalancedCards(10)).toEqual([]);
    // Head office's review list: the largest overdraft first; reviewing clears the flag only.
    const c = new SyntheticTill('t3');
    c.spend('card-b', 5);
    await s.applyBatch({ tillId: 't3', storeId: 's2', entries: c.slice(1, 1), now });
    expect((await s.flaggedCards(10, now)).map((f) => [f.cardId, f.overdraft])).toEqual([
      ['card-a', 60],
      ['card-b', 5],
    ]);
    expect(await s.flaggedCards(1, now)).toHaveLength(1);
    expect(await s.clearCardFlag('card-a')).toBe(true);
    expect(await s.clearCardFlag('card-a')).toBe(false);
    expect(await s.clearCardFlag('card-unknown')).toBe(false);
    expect((await s.flaggedCards(10, now)).map((f) => f.cardId)).toEqual(['card-b']);
    expect(await s.getCard('card-a', now)).toMatchObject({ overdraft: 60, flagged: false });
  });

  it('answers epoch_conflict for the first new entry repeating a held transaction, writing nothing', async () => {
    const s = await fresh();
    const old = new SyntheticTill('t1', 'e1');
    old.earn('card-a', 100);
    await s.applyBatch({ tillId: 't1', storeId: 's1', entries: old.slice(1, 1), now });
    // Epoch e2: its first entry is new and pushed; its second repeats e1's first transaction.
    const fresh2 = new SyntheticTill('t1', 'e2');
    fresh2.earn('card-b', 5);
    const e2 = SyntheticTill.reEpoch([fresh2.entries[0] as OutboxEntry, old.entries[0] as OutboxEntry], 'e2');
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: e2.slice(0, 1), now })).toMatchObject({
      kind: 'applied',
    });
    const keys = await s.journalKeys(10);
    expect(await s.applyBatch({ tillId: 't1', storeId: 's1', entries: e2, now })).toEqual({
      kind: 'epoch_conflict',
      seq: 2,
      txnId: old.entries[0]?.txnId,
      held: { tillId: 't1', epoch: 'e1', seq: 1 },
    });
    expect(await s.journalKeys(10)).toEqual(keys);
    expect(await s.getCard('card-a', now)).toMatchObject({ points: 100 });
    expect(await s.unbalancedCards(10)).toEqual([]);
  });
}
