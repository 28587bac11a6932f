import { resolve } from 'node:path';
import type { Clock } from '@tillpoint/core';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import type { AgentEvents } from '../run/events';
import { HttpSyncTransport } from './http-sync-transport';
import { readHubCredential } from './hub-credential';
import { SyncClient, type SyncOutbox } from './sync-client';
import { SyncStateStore } from './sync-state-store';

/**
 * Builds and starts the sync loop from the agent's config, or explains why there is none
 * (no headOffice, not enrolled). Sync state goes to the log and to `sync` events.
 */
export function startSync(input: {
  config: AgentConfig;
  dataDir: string;
  outbox: SyncOutbox;
  db: Database.Database;
  clock: Clock;
  logger: Logger;
  events: AgentEvents;
  /** Head office's balances arrived for cards scanned here that it had never sent. */
  onCardsArrived?: (cardIds: string[]) => void;
}): { client: SyncClient | undefined; problem?: string } {
  const office = input.config.headOffice;
  if (office === undefined)
    return { client: undefined, problem: 'no headOffice in the config: this till works alone' };
  let credential: ReturnType<typeof readHubCredential>;
  try {
    credential = readHubCredential(resolve(input.dataDir, office.credentialFile));
  } catch (error) {
    const message = (error as Error).message;
    input.logger.warn({ code: (error as { code?: string }).code }, message);
    input.events.publish('sync', { state: 'offline', problem: message });
    return { client: undefined, problem: message };
  }
  let lastState: string | undefined;
  const client = new SyncClient({
    tillId: input.config.tillId,
    outbox: input.outbox,
    transport: new HttpSyncTransport({
      url: office.url,
      tillId: input.config.tillId,
      secret: credential.secret,
      timeoutMs: office.requestTimeoutSeconds * 1000,
    }),
    state: new SyncStateStore(input.db),
    clock: input.clock,
    hubPublicKeyPem: credential.hubPublicKeyPem,
    storeId: credential.storeId,
    intervalMs: office.intervalSeconds * 1000,
    backoffMaxMs: office.backoffMaxSeconds * 1000,
    batchEntriesMax: office.batchEntriesMax,
    batchBytesMax: office.batchBytesMax,
    pendingWarn: office.pendingWarn,
    diskPath: input.dataDir,
    diskFreeWarnBytes: office.diskFreeWarnMb * 1024 * 1024,
    localLimits: {
      ...(office.offline.maxSyncAgeMinutes === undefined
        ? {}
        : { maxSyncAgeMs: office.offline.maxSyncAgeMinutes * 60_000 }),
      ...(office.offline.perCardCap === undefined ? {} : { perCardCap: office.offline.perCardCap }),
      ...(office.offline.tillTotalCap === undefined ? {} : { tillTotalCap: office.offline.tillTotalCap }),
    },
    onStatus: (status) => {
      input.events.publish('sync', { ...status });
      if (status.state !== lastState) {
        input.logger[status.state === 'online' ? 'info' : 'warn'](
          { code: `sync_${status.state}`, pending: status.pendingEntries, error: status.lastError },
          `sync ${status.state}`,
        );
        lastState = status.state;
      }
    },
    onWarning: (message) => input.logger.warn({ code: 'sync_warning' }, message),
    ...(input.onCardsArrived === undefined ? {} : { onCardsArrived: input.onCardsArrived }),
  });
  client.start();
  return { client };
}
