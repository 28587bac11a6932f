// The stores: `SqliteLedgerStore` (better-sqlite3, the till's file) and `MemoryLedgerStore`,
// both behind `LedgerStore`, with the request, result and outbox types their callers need.

export * from '../model/card-state';
export * from '../model/outbox-entry';
export * from '../model/requests';
export * from '../model/return-request';
export * from '../model/sale-fact';
export * from '../model/sale-input-of';
export type { UnackedSpend } from '../model/unacked-spend';
export type { PendingProfile } from '../operations/ledger-ports';
export type * from '../operations/results';
export * from './durable-file';
export * from './ledger-store';
export * from './ledger-store-base';
export * from './ledger-store-error';
export * from './memory/memory-ledger-store';
export * from './sqlite/open-database';
export * from './sqlite/sqlite-ledger-store';
export { restoreLedgerBackup } from './sqlite/sqlite-maintenance';
