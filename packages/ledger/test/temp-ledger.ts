import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@tillpoint/core';
import type { CommitSaleRequest } from '../src/model/requests';
import { type OpenLedgerStoreOptions, openLedgerStore, type SqliteLedgerStore } from '../src/store/index';
import { type SaleDraft, withSaleFact } from './sale-facts';

/** A store on a real file in a fresh temp folder; `cleanup` closes it and removes the folder. */
export function tempLedger(options: Partial<OpenLedgerStoreOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-ledger-'));
  const path = join(dir, 'till.sqlite');
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const open = (): SqliteLedgerStore => openLedgerStore({ path, tillId: 'till-1', clock, ...options });
  const stores: SqliteLedgerStore[] = [];
  const reopen = () => {
    const store = open();
    stores.push(store);
    return store;
  };
  return {
    dir,
    path,
    clock,
    store: reopen(),
    reopen,
    cleanup: () => {
      for (const s of stores) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sale request on card C1 at 2026-01-01 for 1000.00, earning and spending nothing unless told (one line). */
export function saleRequest(over: Partial<SaleDraft> & { receiptId: string }): CommitSaleRequest {
  return withSaleFact({
    idempotencyKey: over.receiptId,
    cardId: 'C1',
    at: Date.parse('2026-01-01T00:00:00Z'),
    basketTotalMinor: 100_000,
    accruals: [],
    redeemPoints: 0,
    rulesVersion: 'v1',
    ...over,
  });
}
