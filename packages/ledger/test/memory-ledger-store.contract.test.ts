import { ManualClock } from '@tillpoint/core';
import { MemoryLedgerStore } from '../src/store/index';
import { ledgerStoreContract } from './ledger-store-contract';

ledgerStoreContract('MemoryLedgerStore', () => {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const store = new MemoryLedgerStore({ tillId: 'till-1', clock });
  return { store, clock, cleanup: () => store.close() };
});
