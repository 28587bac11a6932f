export * from './pos-client';
