export * from '../ledger-requests';
export * from '../outbox-entry';
export * from './ledger-store';
export * from './ledger-store-error';
export * from './open-database';
export * from './sqlite-ledger-store';
