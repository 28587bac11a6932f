import { type Clock, systemClock } from '@tillpoint/core';
import type { CardRange } from './card-range';
import { ScanAssembler } from './scan-assembler';
import { ScannerBase } from './scanner-base';
import { ScannerError, type ScannerErrorCode } from './scanner-error';
import { SerialFrameDecoder, type SerialSuffix } from './serial-frame-decoder';

export interface MockScannerOptions {
  deviceId?: string;
  clock?: Clock;
  cardRanges?: readonly CardRange[];
  debounceMs?: number;
  suffix?: SerialSuffix;
  frameBytesMax?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

/**
 * A scanner with no hardware: tests and the demo push bytes or whole scans into it, unplug and
 * replug it. It runs the same lifecycle, decoders and reconnect logic as the real bindings.
 */
export class MockScanner extends ScannerBase {
  /** Whether the pretend device is plugged in; `claim` and reconnects fail while it is not. */
  present = true;
  /** Successful connects so far (the first claim plus each reconnect). */
  connectCount = 0;
  private failNext: ScannerErrorCode | undefined;
  private attached = false;

  constructor(options: MockScannerOptions = {}) {
    const deviceId = options.deviceId ?? 'mock';
    super({
      deviceId,
      clock: options.clock ?? systemClock,
      decoder: new SerialFrameDecoder({
        suffix: options.suffix ?? 'any',
        idleTimeoutMs: 50,
        frameBytesMax: options.frameBytesMax ?? 4096,
      }),
      assembler: new ScanAssembler({
        deviceId,
        label: { detectAim: true },
        decodeData: true,
        debounceMs: options.debounceMs ?? 0,
        cardRanges: options.cardRanges ?? [],
      }),
      reconnect: { minMs: options.reconnectMinMs ?? 5, maxMs: options.reconnectMaxMs ?? 50 },
    });
  }

  /** Makes the next connect fail with this code (permission_denied, open_failed...). */
  failNextConnect(code: ScannerErrorCode): void {
    this.failNext = code;
  }

  /** Bytes as the device would send them. */
  emitData(data: Uint8Array | string): void {
    if (!this.attached) return;
    this.onBytes(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** A whole scan: optional AIM id, the code, a CR. */
  scan(code: string, aim?: string): void {
    this.emitData(`${aim ?? ''}${code}\r`);
  }

  unplug(): void {
    this.present = false;
    if (!this.attached) return;
    this.attached = false;
    this.onLost(new Error('mock scanner unplugged'));
  }

  replug(): void {
    this.present = true;
  }

  protected override async connect(): Promise<void> {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) throw new ScannerError(failure, `mock scanner ${this.deviceId}: ${failure}`);
    if (!this.present) throw new ScannerError('not_found', `mock scanner ${this.deviceId} is unplugged`);
    this.attached = true;
    this.connectCount++;
  }

  protected override async disconnect(): Promise<void> {
    this.attached = false;
  }
}
