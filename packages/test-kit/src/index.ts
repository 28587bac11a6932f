// Test helpers shared by more than one package's tests and benchmarks. Import a helper by its
// subpath (`@tillpoint/test-kit/hub-process`) to load only what it needs; this index lists them all.

export { AgentProcess, clockFrom, postRaw, writeConfig } from './agent-process';
export { type ChaosMode, ChaosProxy } from './chaos-proxy';
export { citusTestMode, distributeForTests } from './citus-mode';
export { freePort } from './free-port';
export {
  asText,
  bodies,
  type FuzzAnswer,
  type FuzzBody,
  type FuzzRequest,
  type FuzzRun,
  FuzzTally,
  fuzzRoutes,
  oddValue,
  type Route,
  routesFromTree,
  sendAll,
} from './http-fuzz';
export { runHubCli } from './hub-cli';
export { HubProcess, type HubProcessOptions, residentBytes, spawnUntilHealthy } from './hub-process';
export { enrolledTill, issueEnrolCode, tillSale } from './hub-till';
export { packageDir } from './package-dir';
export { type SyntheticBonus, type SyntheticLine, SyntheticTill } from './synthetic-till';
export { startTestPostgres, type TestPostgres } from './test-postgres';
