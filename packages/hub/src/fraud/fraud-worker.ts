import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../admin/admin-store';
import type { HubStore } from '../hub-store';
import { openHubStore } from '../open-hub-store';
import type { FraudJob } from './fraud-job';
import type { FraudStore } from './fraud-store';
import { type FraudThreadData, type FraudThreadMessage, fraudJobOf } from './fraud-thread';
import { openFraudStore } from './open-fraud-store';

/**
 * Fraud control's job in a worker thread of its own (started by `startFraudThread`): its own
 * hub and fraud store connections (SQLite in WAL reads while ingest writes; PostgreSQL a pool
 * of its own), running the job back to back while it finds work and every `everyMs` once caught
 * up. A stop message ends the run after the batch in progress (cursor committed), then the
 * stores are closed. A failed run or open (database away) is reported and retried after
 * `everyMs`. Progress (entries examined and committed) is counted in the shared `progress`.
 */
const data = workerData as FraudThreadData;
const port = parentPort;
if (port === null) throw new Error('fraud-worker.ts runs in a worker thread (startFraudThread)');
const examined = new BigInt64Array(data.progress);
const stopping = new AbortController();
let wake: (() => void) | null = null;
port.on('message', (m: { type: 'stop' }) => {
  if (m.type !== 'stop') return;
  stopping.abort();
  wake?.();
});
const post = (m: FraudThreadMessage) => port.postMessage(m);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Waits `ms`, or less when a stop comes. */
const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

let stores: { hub: HubStore; fraud: FraudStore; job: FraudJob } | null = null;
while (!stopping.signal.aborted) {
  try {
    if (stores === null) {
      const where = data.schema === undefined ? {} : { schema: data.schema };
      const hub = await openHubStore(data.database, where);
      const fraud = await openFraudStore(data.database, where).catch(async (error: unknown) => {
        await hub.close();
        throw error;
      });
      const job = fraudJobOf(hub, fraud, data, {
        signal: stopping.signal,
        committed: (entries) => Atomics.add(examined, 0, BigInt(entries)),
        ...(data.audited ? { audit: async (record: AuditRecord) => post({ type: 'audit', record }) } : {}),
      });
      stores = { hub, fraud, job };
    }
    const summary = await stores.job.run();
    post({ type: 'run', summary });
    if (summary.caughtUp) await pause(data.everyMs);
  } catch (error) {
    post({ type: 'failed', message: message(error) });
    await pause(data.everyMs);
  }
}
if (stores !== null) {
  await stores.fraud.close();
  await stores.hub.close();
}
port.close();
