export * from './canonical-json';
export { compileProgram } from './compile-program';
export * from './local-date';
export * from './parse-program';
export * from './program-schema';
export * from './quote';
export * from './quote-schema';
export * from './rule-schema';
export { toHundredths } from './schema-primitives';
