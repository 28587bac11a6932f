import type { OutboxEntry } from '@tillpoint/ledger';
import { rewardStockAtTill } from '../till/reward-stock';
import type { KnownRewardStock } from './sync-state-store';

/** Entries one read of the outbox takes, and reads one figure may take (the uses past them are not counted). */
const entriesPerRead = 500;
const readsMax = 40;

/**
 * The stock this till may grant now (`rewardStockAtTill` decides): head office's last figure and
 * this till's own reward uses in its entries after the figure's watermark, counted once and then
 * only for the entries added since (a quote reads the outbox only for sales made since the last
 * quote). Reads only.
 */
export class RewardStockView {
  #counted: { key: string; through: number; uses: Map<string, number> } | undefined;

  constructor(
    private readonly o: {
      known: () => KnownRewardStock | undefined;
      outboxAfter: (seq: number, limit: number) => OutboxEntry[];
      online: () => boolean;
    },
  ) {}

  /** Units this till may grant of each stocked reward; undefined before head office sent any. */
  now(): Record<string, number> | undefined {
    const known = this.o.known();
    if (known === undefined) return undefined;
    return rewardStockAtTill(known.rewards, this.#usesSince(known), this.o.online());
  }

  #usesSince(known: KnownRewardStock): Map<string, number> {
    const key = `${known.watermark.epoch ?? ''}:${known.watermark.seq}`;
    if (this.#counted?.key !== key)
      this.#counted = { key, through: known.watermark.seq, uses: new Map<string, number>() };
    const counted = this.#counted;
    for (let read = 0; read < readsMax; read++) {
      const entries = this.o.outboxAfter(counted.through, entriesPerRead);
      for (const entry of entries) {
        counted.through = Math.max(counted.through, entry.seq);
        for (const r of entry.sale?.rewards ?? [])
          counted.uses.set(r.rewardId, (counted.uses.get(r.rewardId) ?? 0) + r.times);
        for (const r of entry.returned?.rewards ?? [])
          counted.uses.set(r.rewardId, (counted.uses.get(r.rewardId) ?? 0) - r.usesBack);
      }
      if (entries.length < entriesPerRead) break;
    }
    return counted.uses;
  }
}
