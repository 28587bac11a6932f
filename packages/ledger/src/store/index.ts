export * from './ledger-store';
export * from './ledger-store-error';
export * from './open-database';
export * from './outbox-entry';
export * from './requests';
export * from './sqlite-ledger-store';
