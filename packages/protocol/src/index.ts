export * from './local-api';
export * from './openapi';
