import { existsSync } from 'node:fs';
import { type Clock, systemClock } from '@tillpoint/core';
import { SerialPort } from 'serialport';
import type { CardRange } from './card-range';
import type { FrameDecoder } from './frame-decoder';
import { ReadlineFrameDecoder } from './readline-frame-decoder';
import { assemblerFor, defaultDeviceId } from './scan-pipeline';
import { ScannerBase } from './scanner-base';
import type { SerialScannerConfig } from './scanner-config';
import { openErrorCode, ScannerError } from './scanner-error';
import { SerialFrameDecoder } from './serial-frame-decoder';

export const serialByIdDir = '/dev/serial/by-id';

/** What the binding needs of a serial port: node-serialport's `SerialPort` or its mock. */
export interface SerialPortLike {
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (err?: Error & { disconnected?: boolean }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** Discards bytes received but not yet read (tcflush). */
  flush(callback?: (err: Error | null) => void): void;
  removeAllListeners(): unknown;
}

export interface SerialPortOpenOptions {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

export type SerialPortFactory = (options: SerialPortOpenOptions) => SerialPortLike;

export const nodeSerialPortFactory: SerialPortFactory = (options) =>
  new SerialPort({ ...options, autoOpen: false });

/** A port as node-serialport lists it (USB ids are hex strings). */
export interface SerialPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

export const nodeSerialPortLister = (): Promise<SerialPortInfo[]> => SerialPort.list();

export interface SerialScannerDeps {
  clock?: Clock;
  cardRanges?: readonly CardRange[];
  /** Injected for tests (`SerialPortMock`); the real serialport by default. */
  createPort?: SerialPortFactory;
  /** Injected for tests; node-serialport's listing by default (used only for a USB identity). */
  listSerialPorts?: () => Promise<SerialPortInfo[]>;
}

const delimiters = { cr: [0x0d], lf: [0x0a], crlf: [0x0d, 0x0a], tab: [0x09] } as const;

function decoderFor(config: SerialScannerConfig): FrameDecoder {
  const { suffix, frameBytesMax } = config;
  const idleTimeoutMs = suffix === 'none' ? config.idleTimeoutMs : config.partialFrameTimeoutMs;
  if (suffix === 'any' || suffix === 'none') {
    return new SerialFrameDecoder({ suffix, frameBytesMax, idleTimeoutMs });
  }
  return new ReadlineFrameDecoder({
    delimiter: Uint8Array.from(delimiters[suffix]),
    frameBytesMax,
    idleTimeoutMs,
  });
}

/**
 * The path to open: an explicit one, or the stable by-id link that follows the device across
 * replugs; undefined when the config names a USB identity to look up instead.
 */
export function serialPathOf(config: Pick<SerialScannerConfig, 'path' | 'byId'>): string | undefined {
  return config.path ?? (config.byId === undefined ? undefined : `${serialByIdDir}/${config.byId}`);
}

/** The listed port with this USB identity (ids compared as numbers; hex strings in the listing). */
export function matchSerialPort(
  ports: readonly SerialPortInfo[],
  match: Pick<SerialScannerConfig, 'vendorId' | 'productId' | 'serialNumber'>,
): SerialPortInfo | undefined {
  const id = (hex: string | undefined) => (hex === undefined ? undefined : Number.parseInt(hex, 16));
  return ports.find(
    (p) =>
      (match.vendorId === undefined || id(p.vendorId) === match.vendorId) &&
      (match.productId === undefined || id(p.productId) === match.productId) &&
      (match.serialNumber === undefined || p.serialNumber === match.serialNumber),
  );
}

/**
 * Serial and USB-CDC scanners through node-serialport. A suffix is split by the readline
 * parser; without one, an inter-byte timeout ends the frame. An unplug arrives as `close`
 * with `disconnected`, or is seen when the device node disappears; the binding then reopens
 * the same path (a by-id link follows the device when ttyACM0 comes back as ttyACM1) with backoff.
 */
export class SerialScanner extends ScannerBase {
  /** The path opened last (found again on each reconnect when the config names a USB identity). */
  path: string | undefined;
  private readonly config: SerialScannerConfig;
  private readonly createPort: SerialPortFactory;
  private readonly listSerialPorts: () => Promise<SerialPortInfo[]>;
  private port: SerialPortLike | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(config: SerialScannerConfig, deps: SerialScannerDeps = {}) {
    const deviceId = defaultDeviceId(config);
    super({
      deviceId,
      clock: deps.clock ?? systemClock,
      decoder: decoderFor(config),
      assembler: assemblerFor(config, deviceId, deps.cardRanges ?? []),
      reconnect: {
        minMs: config.reconnectMinMs,
        maxMs: Math.max(config.reconnectMinMs, config.reconnectMaxMs),
      },
    });
    this.config = config;
    this.path = serialPathOf(config);
    this.createPort = deps.createPort ?? nodeSerialPortFactory;
    this.listSerialPorts = deps.listSerialPorts ?? nodeSerialPortLister;
  }

  private async resolvePath(): Promise<string> {
    const fixed = serialPathOf(this.config);
    if (fixed !== undefined) return fixed;
    let ports: SerialPortInfo[];
    try {
      ports = await this.listSerialPorts();
    } catch (cause) {
      throw new ScannerError(
        'open_failed',
        `cannot list serial ports (is udevadm installed?): ${String(cause)}`,
        {
          cause,
        },
      );
    }
    const { vendorId, productId, serialNumber } = this.config;
    const found = matchSerialPort(ports, { vendorId, productId, serialNumber });
    if (found === undefined) {
      throw new ScannerError(
        'not_found',
        `no serial port matches ${JSON.stringify({ vendorId, productId, serialNumber })}`,
      );
    }
    return found.path;
  }

  protected override async connect(): Promise<void> {
    const { baudRate, dataBits, parity, stopBits } = this.config;
    const path = await this.resolvePath();
    this.path = path;
    const port = this.createPort({ path, baudRate, dataBits, parity, stopBits });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new ScannerError(openErrorCode(cause), `cannot open serial scanner ${path}: ${message}`, {
        cause,
        context: { path },
      });
    }
    // Bytes left in the OS buffer from before this open (half a scan, a stray LF) are not a scan.
    await new Promise<void>((resolve) => port.flush(() => resolve()));
    this.port = port;
    port.on('data', (chunk) => this.onBytes(chunk));
    port.on('close', (err) => this.portGone(port, err ?? new Error('serial port closed')));
    port.on('error', (err) => this.portGone(port, err));
    if (path.startsWith('/')) {
      // Device nodes exist only on POSIX systems; Windows COM ports rely on serialport's close.
      this.presenceTimer = setInterval(() => {
        if (!existsSync(path)) this.portGone(port, new Error(`${path} disappeared`));
      }, this.config.presenceCheckMs);
      this.presenceTimer.unref();
    }
  }

  protected override async disconnect(): Promise<void> {
    clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
    const port = this.port;
    this.port = undefined;
    if (port === undefined) return;
    port.removeAllListeners();
    port.on('error', () => {}); // a late error from a dying port must not go unhandled
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private portGone(port: SerialPortLike, cause: unknown): void {
    if (port !== this.port) return;
    this.onLost(cause);
  }
}
