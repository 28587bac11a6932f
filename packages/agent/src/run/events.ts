import { EventEmitter } from 'node:events';

/**
 * What the agent tells the POS and the companion page as it happens: scans, device and
 * printer states, sync state, and failures that switched loyalty off. Carried to clients
 * as server-sent events; each has an increasing id so a client can resume after a
 * reconnect (Last-Event-ID) from a bounded replay buffer.
 */
export type AgentEventType = 'scan' | 'card' | 'device' | 'printer' | 'sync' | 'loyalty' | 'sale';

export interface AgentEvent {
  id: number;
  type: AgentEventType;
  at: string;
  data: Record<string, unknown>;
}

export class AgentEvents {
  private readonly emitter = new EventEmitter();
  private readonly recent: AgentEvent[] = [];
  private readonly lastByType = new Map<AgentEventType, AgentEvent>();
  private nextId = 1;

  constructor(private readonly replayMax = 256) {
    // Every SSE client is a listener; the API caps the number of clients itself.
    this.emitter.setMaxListeners(0);
  }

  publish(type: AgentEventType, data: Record<string, unknown>, at = new Date()): AgentEvent {
    const event: AgentEvent = { id: this.nextId++, type, at: at.toISOString(), data };
    this.recent.push(event);
    this.lastByType.set(type, event);
    if (this.recent.length > this.replayMax) this.recent.shift();
    this.emitter.emit('event', event);
    return event;
  }

  /** Events after `lastId` still in the replay buffer, oldest first. */
  since(lastId: number): AgentEvent[] {
    return this.recent.filter((e) => e.id > lastId);
  }

  /** The latest event of a type: the current printer, sync or loyalty state. */
  latest(type: AgentEventType): AgentEvent | undefined {
    return this.lastByType.get(type);
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
