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

  /** Entries `from..to` (1-based seqs, inclusive). */
  slice(from: number, to: number): OutboxEntry[] {
    return this.entries.slice(from - 1, to);
  }

  #append(part: Pick<OutboxBody, 'kind' | 'cardId' | 'occurredAt' | 'postings' | 'newLots'>): OutboxEntry {
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
