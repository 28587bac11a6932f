import { join } from 'node:path';
import { HttpSyncTransport, type SyncTransport } from '@tillpoint/agent/sync/http-sync-transport';
import { enrolWithHub, readHubCredential } from '@tillpoint/agent/sync/hub-credential';
import { SyncClient, type SyncClientOptions } from '@tillpoint/agent/sync/sync-client';
import { SyncStateStore } from '@tillpoint/agent/sync/sync-state-store';
import type { Clock } from '@tillpoint/core';
import { type HubStore, newEnrolCode, sha256Hex } from '@tillpoint/hub';
import { type CommitSaleRequest, oneLineSaleInput } from '@tillpoint/ledger';
import { openLedgerStore, type SqliteLedgerStore } from '@tillpoint/ledger/store';
import Database from 'better-sqlite3';

/** Registers a till at the hub, as `tillpoint-hub till-add` does: its one-time code (valid a minute). */
export async function issueEnrolCode(
  hub: HubStore,
  till: { storeId: string; tillId: string },
  now = Date.now(),
): Promise<string> {
  const code = newEnrolCode();
  await hub.addTill({
    storeId: till.storeId,
    tillId: till.tillId,
    codeHash: sha256Hex(code),
    codeExpiresAt: now + 60_000,
  });
  return code;
}

/**
 * A till in this process, enrolled at a real hub the way store IT does it (a one-time code,
 * the credential file written with mode 0600): an in-memory ledger and the real sync client
 * over HTTP. `close` frees both databases.
 */
export async function enrolledTill(o: {
  hub: HubStore;
  url: string;
  tillId: string;
  storeId: string;
  clock: Clock;
  /** Where the credential file goes. */
  dir: string;
  wrap?: (transport: SyncTransport) => SyncTransport;
  options?: Partial<Omit<SyncClientOptions, 'tillId' | 'outbox' | 'transport' | 'state' | 'clock'>>;
}): Promise<{ ledger: SqliteLedgerStore; client: SyncClient; credentialFile: string; close(): void }> {
  const code = await issueEnrolCode(o.hub, o, o.clock.nowMs());
  const credentialFile = join(o.dir, `${o.tillId}-credential.json`);
  await enrolWithHub({ url: o.url, code, tillId: o.tillId, credentialFile });
  const credential = readHubCredential(credentialFile);
  const ledger = openLedgerStore({ path: ':memory:', tillId: o.tillId, clock: o.clock });
  const db = new Database(':memory:');
  const transport = new HttpSyncTransport({
    url: o.url,
    tillId: o.tillId,
    secret: credential.secret,
    timeoutMs: 5_000,
  });
  const client = new SyncClient({
    tillId: o.tillId,
    outbox: ledger,
    transport: o.wrap ? o.wrap(transport) : transport,
    state: new SyncStateStore(db),
    clock: o.clock,
    hubPublicKeyPem: credential.hubPublicKeyPem,
    ...o.options,
  });
  return {
    ledger,
    client,
    credentialFile,
    close() {
      ledger.close();
      db.close();
    },
  };
}

/** A sale at a test till for 100.00: earns `earn` points vested at once and spends `spend`. */
export function tillSale(o: {
  key: string;
  cardId: string;
  at: number;
  earn: number;
  spend: number;
}): CommitSaleRequest {
  return {
    idempotencyKey: o.key,
    cardId: o.cardId,
    receiptId: `R-${o.key}`,
    at: o.at,
    basketTotalMinor: 10_000,
    accruals: o.earn > 0 ? [{ points: o.earn, vestsAt: o.at, expiresAt: null, ruleIds: ['base'] }] : [],
    redeemPoints: o.spend,
    rulesVersion: 'v1',
    sale: oneLineSaleInput({
      storeId: 'store-1',
      currency: 'RUB',
      basketTotalMinor: 10_000,
      earnedPoints: o.earn,
      spentPoints: o.spend,
      spentDiscountMinor: Math.min(10_000, o.spend * 100),
    }),
  };
}
