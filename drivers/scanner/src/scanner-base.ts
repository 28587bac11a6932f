import { EventEmitter } from 'node:events';
import { assert, type Clock } from '@tillpoint/core';
import type { DecoderOutput, FrameDecoder } from './frame-decoder';
import type { ScanAssembler } from './scan-assembler';
import type {
  ScannerBinding,
  ScannerEvents,
  ScannerLifecycle,
  ScannerPower,
  ScannerStateChange,
} from './scanner-binding';
import { ScannerError } from './scanner-error';

export interface ReconnectPolicy {
  /** First wait after an unplug; doubles on each failed attempt up to `maxMs`. */
  minMs: number;
  maxMs: number;
}

export interface ScannerBaseOptions {
  deviceId: string;
  clock: Clock;
  decoder: FrameDecoder;
  assembler: ScanAssembler;
  reconnect: ReconnectPolicy;
}

/**
 * The lifecycle, the decode pipeline and reconnection, shared by every binding. A binding
 * supplies only `connect` (find and open its hardware, then feed `onBytes` / `onLost`) and
 * `disconnect`.
 */
export abstract class ScannerBase extends EventEmitter<ScannerEvents> implements ScannerBinding {
  readonly deviceId: string;
  protected readonly clock: Clock;
  private readonly decoder: FrameDecoder;
  private readonly assembler: ScanAssembler;
  private readonly reconnectPolicy: ReconnectPolicy;
  private lifecycleState: ScannerLifecycle = 'closed';
  private powerState: ScannerPower = 'unknown';
  private connected = false;
  /** Bumped by release: a reconnect attempt started before it must not revive the device. */
  private generation = 0;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;

  protected constructor(options: ScannerBaseOptions) {
    super();
    assert(
      options.reconnect.minMs > 0 && options.reconnect.maxMs >= options.reconnect.minMs,
      'bad reconnect backoff',
    );
    this.deviceId = options.deviceId;
    this.clock = options.clock;
    this.decoder = options.decoder;
    this.assembler = options.assembler;
    this.reconnectPolicy = options.reconnect;
  }

  /** Finds and opens the hardware; throws `ScannerError`. Called by claim and by each reconnect. */
  protected abstract connect(): Promise<void>;
  /** Closes the hardware if open; never throws. */
  protected abstract disconnect(): Promise<void>;

  get lifecycle(): ScannerLifecycle {
    return this.lifecycleState;
  }

  get power(): ScannerPower {
    return this.powerState;
  }

  async open(): Promise<void> {
    this.requireLifecycle(['closed'], 'open');
    this.setState('open', 'unknown');
  }

  async claim(): Promise<void> {
    this.requireLifecycle(['open'], 'claim');
    await this.connect();
    this.connected = true;
    this.setState('claimed', 'online');
  }

  async enable(): Promise<void> {
    this.requireLifecycle(['claimed'], 'enable');
    this.decoder.reset();
    this.setState('enabled', this.powerState);
  }

  async disable(): Promise<void> {
    this.requireLifecycle(['enabled'], 'disable');
    this.stopPolling();
    this.decoder.reset();
    this.setState('claimed', this.powerState);
  }

  async release(): Promise<void> {
    this.requireLifecycle(['claimed', 'enabled'], 'release');
    this.generation++;
    this.stopPolling();
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.reconnectAttempt = 0;
    this.connected = false;
    this.decoder.reset();
    this.assembler.reset();
    await this.disconnect();
    this.setState('open', 'unknown');
  }

  async close(): Promise<void> {
    if (this.lifecycleState === 'closed') return;
    if (this.lifecycleState !== 'open') await this.release();
    this.setState('closed', 'unknown');
  }

  /** Bytes from the hardware, in chunks of any size. Ignored unless enabled. */
  protected onBytes(chunk: Uint8Array): void {
    if (this.lifecycleState !== 'enabled') return;
    this.handle(this.decoder.push(chunk, this.clock.nowMs()));
    this.schedulePoll();
  }

  /** The hardware went away (read error, port closed): report it and start reconnecting. */
  protected onLost(cause: unknown): void {
    if (!this.connected) return;
    this.connected = false;
    this.stopPolling();
    this.decoder.reset();
    this.emitError(new ScannerError('disconnected', `scanner ${this.deviceId} disconnected`, { cause }));
    this.setState(this.lifecycleState, 'offline', 'unplugged');
    const generation = this.generation;
    void this.disconnect().then(() => {
      if (generation === this.generation) this.scheduleReconnect(generation);
    });
  }

  protected emitError(error: ScannerError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private scheduleReconnect(generation: number): void {
    const { minMs, maxMs } = this.reconnectPolicy;
    const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(this.reconnectAttempt, 30));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnectAttempt++;
      this.connect().then(
        () => {
          if (generation !== this.generation) {
            void this.disconnect();
            return;
          }
          const attempts = this.reconnectAttempt;
          this.reconnectAttempt = 0;
          this.connected = true;
          this.decoder.reset();
          this.setState(this.lifecycleState, 'online', `reconnected after ${attempts} attempt(s)`);
        },
        () => {
          if (generation === this.generation) this.scheduleReconnect(generation);
        },
      );
    }, delayMs);
  }

  private handle(outputs: readonly DecoderOutput[]): void {
    for (const output of outputs) {
      if (output.kind === 'fault') {
        this.emitError(
          new ScannerError('bad_frame', output.message, { context: { deviceId: this.deviceId } }),
        );
        continue;
      }
      const event = this.assembler.assemble(output, this.clock.nowMs());
      if (event !== undefined) this.emit('scan', event);
    }
  }

  private schedulePoll(): void {
    const deadline = this.decoder.deadlineMs();
    if (deadline === undefined) {
      this.stopPolling();
      return;
    }
    clearTimeout(this.pollTimer);
    // Timers run on the system clock; the decoder decides with the injected one.
    this.pollTimer = setTimeout(
      () => {
        this.pollTimer = undefined;
        if (this.lifecycleState !== 'enabled') return;
        this.handle(this.decoder.poll(this.clock.nowMs()));
        this.schedulePoll();
      },
      Math.max(1, deadline - this.clock.nowMs()),
    );
  }

  private stopPolling(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private requireLifecycle(allowed: readonly ScannerLifecycle[], action: string): void {
    if (!allowed.includes(this.lifecycleState)) {
      throw new ScannerError(
        'illegal_state',
        `cannot ${action} scanner ${this.deviceId} while ${this.lifecycleState} (needs ${allowed.join(' or ')})`,
      );
    }
  }

  private setState(lifecycle: ScannerLifecycle, power: ScannerPower, reason?: string): void {
    if (lifecycle === this.lifecycleState && power === this.powerState) return;
    this.lifecycleState = lifecycle;
    this.powerState = power;
    const change: ScannerStateChange = { deviceId: this.deviceId, lifecycle, power, at: this.clock.nowMs() };
    if (reason !== undefined) change.reason = reason;
    this.emit('state', change);
  }
}
