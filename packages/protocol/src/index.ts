export * from './identify';
export * from './local-api';
export * from './openapi';
export * from './sync';
