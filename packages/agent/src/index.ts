// The agent as a library: what `tillpoint start` runs, for embedding it in another process
// (a POS that starts its own loyalty agent) and for tests. The CLI is `src/cli.ts`.

export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './config/agent-config';
export { loadConfig } from './config/load-config';
export { type RunningAgent, type StartAgentOptions, startAgent } from './run/agent';
export { type AgentEvent, AgentEvents, type AgentEventType } from './run/events';
export { HttpSyncTransport, type SyncTransport } from './sync/http-sync-transport';
export { SyncClient, type SyncClientOptions, type SyncStatus } from './sync/sync-client';
export { TillSession, type TillSessionDeps } from './till/till-session';
