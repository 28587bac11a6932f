import { canonicalJson } from '@tillpoint/core';
import { chainHash, genesisHash, type OutboxBody, type OutboxEntry } from '@tillpoint/ledger';

/**
 * A till's outbox, made by hand for hub tests: properly chained entries that earn or spend
 * points on a card. `spend` takes points from the till's own lots first, then from a lot named
 * `snapshot:<card>` (what a till spends of a head-office snapshot).
 */
export class SyntheticTill {
  readonly entries: OutboxEntry[] = [];
  #lastHash: string;
  #lots = new Map<string, { lotId: string; remaining: number }[]>();
  #n = 0;

  constructor(
    readonly tillId: string,
    readonly epoch = `epoch-${tillId}`,
  ) {
    this.#lastHash = genesisHash(tillId, epoch);
  }

  earn(
    cardId: string,
    points: number,
    at = 1_000,
    lot: { vestsAt?: number; expiresAt?: number | null } = {},
  ): OutboxEntry {
    const lotId = `${this.tillId}-lot-${this.#n + 1}`;
    const vestsAt = lot.vestsAt ?? at;
    const entry = this.#append({
      kind: 'sale',
      cardId,
      occurredAt: at,
      postings: [
        { leg: 0, account: vestsAt > at ? 'member_pending' : 'member_available', amount: points, lotId },
        { leg: 1, account: 'issued_liability', amount: -points, lotId: null },
      ],
      newLots: [
        {
          lotId,
          initial: points,
          vestsAt,
          expiresAt: lot.expiresAt ?? null,
          account: vestsAt > at ? 'member_pending' : 'member_available',
        },
      ],
    });
    const lots = this.#lots.get(cardId) ?? [];
    lots.push({ lotId, remaining: points });
    this.#lots.set(cardId, lots);
    return entry;
  }

  /**
   * An earn whose postings are the given amounts, chained like any entry: the first goes into
   * one new lot of the card, the others to the program's accounts in turn. For tests of what
   * head office refuses (amounts that do not sum to zero, or only in floating point).
   */
  earnWithPostings(cardId: string, amounts: readonly number[], at = 1_000): OutboxEntry {
    const lotId = `${this.tillId}-lot-${this.#n + 1}`;
    const others = ['issued_liability', 'redeemed', 'expired', 'adjustments', 'offline_overdraft'] as const;
    return this.#append({
      kind: 'sale',
      cardId,
      occurredAt: at,
      postings: amounts.map((amount, leg) =>
        leg === 0
          ? { leg, account: 'member_available', amount, lotId }
          : {
              leg,
              account: others[(leg - 1) % others.length] as (typeof others)[number],
              amount,
              lotId: null,
            },
      ),
      newLots: [
        { lotId, initial: amounts[0] ?? 1, vestsAt: at, expiresAt: null, account: 'member_available' },
      ],
    });
  }

  spend(cardId: string, points: number, at = 2_000): OutboxEntry {
    const postings: OutboxBody['postings'] = [];
    let left = points;
    for (const lot of this.#lots.get(cardId) ?? []) {
      const take = Math.min(left, lot.remaining);
      if (take === 0) continue;
      lot.remaining -= take;
      left -= take;
      postings.push({ leg: postings.length, account: 'member_available', amount: -take, lotId: lot.lotId });
    }
    if (left > 0)
      postings.push({
        leg: postings.length,
        account: 'member_available',
        amount: -left,
        lotId: `snapshot:${cardId}`,
      });
    postings.push({ leg: postings.length, account: 'redeemed', amount: points, lotId: null });
    return this.#append({ kind: 'sale', cardId, occurredAt: at, postings, newLots: [] });
  }

  block(cardId: string, at = 3_000): OutboxEntry {
    return this.#append({ kind: 'card_blocked', cardId, occurredAt: at, postings: [], newLots: [] });
  }

  /**
   * A full return of an earlier sale of this till, as the ledger books one: the points the sale
   * earned are taken back from the lots it made, and the points it spent go back to the lots
   * they came from (own lots and `snapshot:<card>`).
   */
  returnSale(sale: OutboxEntry, at = 4_000): OutboxEntry {
    const postings: OutboxBody['postings'] = [];
    for (const p of sale.postings) {
      if (p.account !== 'member_available' && p.account !== 'member_pending') continue;
      postings.push({ leg: postings.length, account: p.account, amount: -p.amount, lotId: p.lotId });
      const lot = this.#lots.get(sale.cardId)?.find((l) => l.lotId === p.lotId);
      if (lot) lot.remaining = Math.max(0, lot.remaining - p.amount);
    }
    const member = postings.reduce((sum, p) => sum + p.amount, 0);
    const earned = sale.postings.some((p) => p.account === 'issued_liability');
    postings.push({
      leg: postings.length,
      account: earned ? 'issued_liability' : 'redeemed',
      amount: -member,
      lotId: null,
    });
    return this.#append({
      kind: 'return',
      cardId: sale.cardId,
      occurredAt: at,
      postings,
      newLots: [],
      reverses: sale.txnId,
    });
  }

  /**
   * The same entries under another epoch, numbered from seq 1 and chained from that epoch's
   * genesis: what a till sends when its outbox was copied or its epoch reset (the transaction
   * ids are the ones already sent).
   */
  static reEpoch(entries: readonly OutboxEntry[], epoch: string): OutboxEntry[] {
    const first = entries[0];
    if (first === undefined) return [];
    let prev = genesisHash(first.tillId, epoch);
    return entries.map((entry, i) => {
      const { prevHash: _p, hash: _h, ...rest } = entry;
      const body: OutboxBody = { ...rest, epoch, seq: i + 1 };
      const hash = chainHash(prev, canonicalJson(body));
      const out: OutboxEntry = { ...body, prevHash: prev, hash };
      prev = hash;
      return out;
    });
  }

  /** Entries `from..to` (1-based seqs, inclusive). */
  slice(from: number, to: number): OutboxEntry[] {
    return this.entries.slice(from - 1, to);
  }

  #append(
    part: Pick<OutboxBody, 'kind' | 'cardId' | 'occurredAt' | 'postings' | 'newLots'> &
      Partial<Pick<OutboxBody, 'reverses'>>,
  ): OutboxEntry {
    this.#n += 1;
    const body: OutboxBody = {
      tillId: this.tillId,
      epoch: this.epoch,
      seq: this.#n,
      txnId: `${this.tillId}-${this.epoch}-txn-${this.#n}`,
      idempotencyKey: `${this.tillId}-key-${this.#n}`,
      rulesVersion: null,
      reverses: null,
      detail: {},
      ...part,
    };
    const hash = chainHash(this.#lastHash, canonicalJson(body));
    const entry: OutboxEntry = { ...body, prevHash: this.#lastHash, hash };
    this.#lastHash = hash;
    this.entries.push(entry);
    return entry;
  }
}
