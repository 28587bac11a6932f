import type { OutboxEntry } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import type { HubStore } from '../src/hub-store';

/**
 * Generates a chain's journal at head office through the real ingest path (`applyBatch`, so the
 * report rollups are written as in production): `entries` sales spread evenly over `days` days
 * from 2026-01-01, over `stores` stores of `tillsPerStore` tills and `cards` cards. Each sale has
 * two lines (one earning the base rule's points), every 10th a birthday bonus, every 5th spends a
 * point; `batchSize` sales a push per till. Deterministic. `onBatch` hears each batch's time.
 */
export interface ReportDataShape {
  entries: number;
  stores: number;
  tillsPerStore: number;
  cards: number;
  days: number;
  /** Sales a till pushes at once (500 as tills do; larger makes a big chain faster to generate). */
  batchSize: number;
}

export const defaultReportDataShape: Omit<ReportDataShape, 'entries'> = {
  stores: 20,
  tillsPerStore: 5,
  cards: 100_000,
  days: 365,
  batchSize: 500,
};

export const reportDataStart = Date.UTC(2026, 0, 1);

export const storeIdOf = (s: number) => `store-${String(s + 1).padStart(3, '0')}`;

export async function generateReportData(
  hub: HubStore,
  shape: ReportDataShape,
  onBatch: (entries: readonly OutboxEntry[], ms: number, storeId: string) => void | Promise<void> = () => {},
): Promise<void> {
  const tills: { till: SyntheticTill; storeId: string }[] = [];
  for (let s = 0; s < shape.stores; s++)
    for (let t = 0; t < shape.tillsPerStore; t++) {
      const storeId = storeIdOf(s);
      const tillId = `${storeId}-t${t + 1}`;
      await hub.addTill({ storeId, tillId, codeHash: 'x', codeExpiresAt: 0 });
      tills.push({ till: new SyntheticTill(tillId), storeId });
    }
  const spanMs = shape.days * 86_400_000;
  const flush = async (k: number) => {
    const { till, storeId } = tills[k] as (typeof tills)[number];
    const entries = till.entries.splice(0);
    if (entries.length === 0) return;
    const started = performance.now();
    const outcome = await hub.applyBatch({
      tillId: till.tillId,
      storeId,
      entries,
      now: reportDataStart + spanMs,
    });
    if (outcome.kind !== 'applied') throw new Error(`generated batch not applied: ${outcome.kind}`);
    await onBatch(entries, performance.now() - started, storeId);
  };
  for (let i = 0; i < shape.entries; i++) {
    const k = i % tills.length;
    const { till, storeId } = tills[k] as (typeof tills)[number];
    // A card shops mostly in one store: card i belongs to store (card % stores).
    const card =
      ((i * 7_919) % shape.cards) - (((i * 7_919) % shape.cards) % shape.stores) + (k % shape.stores);
    const at = reportDataStart + Math.floor((i / shape.entries) * spanMs);
    const price = 500 + ((i * 37) % 9_500);
    till.sell(`card-${Math.min(card, shape.cards - 1)}`, {
      receiptId: `R-${i}`,
      at,
      storeId,
      lines: [
        {
          lineId: '1',
          sku: `sku-${i % 997}`,
          quantity: 1,
          unitPriceMinor: price,
          earnedPoints: Math.floor(price / 100),
        },
        {
          lineId: '2',
          sku: `sku-${(i + 13) % 997}`,
          quantity: 2,
          unitPriceMinor: 150,
          earnedPoints: 0,
          spentPoints: i % 5 === 4 ? 1 : 0,
        },
      ],
      bonuses: i % 10 === 9 ? [{ ruleId: 'birthday', points: 20 }] : [],
    });
    if (till.entries.length >= shape.batchSize) await flush(k);
  }
  for (const k of tills.keys()) await flush(k);
}
