import type { OutboxEntry } from '@tillpoint/ledger';
import type { BenchHarness } from '../../../scripts/bench/harness';
import type { HubStore } from '../src/hub-store';

/**
 * Head office's ingest beside a baseline that writes the same rows with no logic: batch by
 * batch in turn, the store's `applyBatch` then the baseline, so both meet the same disk load.
 * Records both rows (the store's with its ratio against the baseline) and both throughputs,
 * `unit` a second (each batch holds `perBatch` of them).
 */
export async function ingestBeside(
  h: BenchHarness,
  o: {
    group: string;
    store: { name: string; hub: Pick<HubStore, 'applyBatch'> };
    baseline: { name: string; throughput: string; write: (batch: OutboxEntry[]) => unknown };
    batches: Iterable<OutboxEntry[]>;
    perBatch: number;
    unit: string;
    note?: string;
  },
): Promise<void> {
  const storeSamples: number[] = [];
  const baselineSamples: number[] = [];
  for (const batch of o.batches) {
    let t = performance.now();
    const outcome = await o.store.hub.applyBatch({
      tillId: 'bench',
      storeId: 's1',
      entries: batch,
      now: 5_000,
    });
    storeSamples.push(performance.now() - t);
    if (outcome.kind !== 'applied') throw new Error(`bench batch not applied: ${outcome.kind}`);
    t = performance.now();
    await o.baseline.write(batch);
    baselineSamples.push(performance.now() - t);
  }
  const perSecond = (samples: number[]) =>
    `${Math.round((samples.length * o.perBatch * 1000) / samples.reduce((a, b) => a + b, 0)).toLocaleString('en-US')} ${o.unit}/s`;
  h.record(o.group, o.baseline.name, baselineSamples);
  h.record(o.group, o.store.name, storeSamples, {
    baseline: o.baseline.name,
    ...(o.note === undefined ? {} : { note: o.note }),
  });
  h.figure(o.group, o.baseline.throughput, perSecond(baselineSamples));
  h.figure(o.group, 'hub ingest throughput', perSecond(storeSamples));
}
