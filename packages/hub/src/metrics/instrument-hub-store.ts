import type { HubStore } from '../hub-store';
import type { HubMetrics } from './hub-metrics';

const instrumented = new WeakMap<HubStore, HubMetrics>();

/**
 * The same store, counted: pushes (`applyBatch`) and the jobs (`runExpiry`,
 * `announceVesting`) record into `metrics`; every other method passes through untouched (a
 * Proxy, so methods added to `HubStore` later pass through too). Instrumenting a store twice
 * with the same metrics returns it as is.
 */
export function instrumentHubStore(store: HubStore, metrics: HubMetrics): HubStore {
  if (instrumented.get(store) === metrics) return store;
  const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
  const job = async <T extends number>(name: 'expiry' | 'vesting', run: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    try {
      const result = await run();
      metrics.jobRuns.inc({ job: name, outcome: 'ok' });
      metrics.jobLastSuccess.set({ job: name }, Date.now() / 1000);
      if (name === 'expiry') metrics.expiredPoints.inc(result);
      else metrics.vestedCards.inc(result);
      return result;
    } catch (error) {
      metrics.jobRuns.inc({ job: name, outcome: 'failed' });
      throw error;
    } finally {
      metrics.jobSeconds.observe({ job: name }, seconds(started));
    }
  };
  const applyBatch: HubStore['applyBatch'] = async (input) => {
    const started = process.hrtime.bigint();
    try {
      const outcome = await store.applyBatch(input);
      metrics.ingestBatches.inc({ outcome: outcome.kind });
      if (outcome.kind === 'applied') {
        metrics.ingestEntries.inc({ outcome: 'applied' }, outcome.applied);
        metrics.ingestEntries.inc({ outcome: 'duplicate' }, outcome.duplicates);
        metrics.tillPushed(input.tillId, input.storeId, outcome.ackedThrough);
      } else if (outcome.kind === 'replayed') {
        metrics.ingestEntries.inc({ outcome: 'duplicate' }, input.entries.length);
        metrics.tillPushed(input.tillId, input.storeId, outcome.ackedThrough);
      }
      return outcome;
    } catch (error) {
      metrics.ingestBatches.inc({ outcome: 'failed' });
      throw error;
    } finally {
      metrics.batchSeconds.observe(seconds(started));
    }
  };
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'applyBatch') return applyBatch;
      if (property === 'runExpiry')
        return (now: number, lotsMax: number) => job('expiry', () => target.runExpiry(now, lotsMax));
      if (property === 'announceVesting')
        return (now: number, lotsMax: number) => job('vesting', () => target.announceVesting(now, lotsMax));
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  instrumented.set(wrapped, metrics);
  return wrapped;
}
