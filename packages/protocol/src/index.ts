export * from './identify';
export * from './local-api';
export * from './openapi';
export * from './quote-answer';
export * from './sync';
