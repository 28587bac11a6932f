import { assert } from '@tillpoint/core';
import { SerialPort } from 'serialport';
import { PrinterError } from './printer-error';
import type { PrinterTransport } from './printer-transport';

export interface SerialPrinterOptions {
  path: string;
  baudRate?: number;
  /** Tests pass `SerialPortMock`'s constructor; the default is the real `SerialPort`. */
  createPort?: (options: { path: string; baudRate: number; autoOpen: false }) => SerialPort;
  inboxBytesMax?: number;
}

/** A printer on a serial line (RS-232 or USB-CDC), through serialport 13. */
export class SerialPrinter implements PrinterTransport {
  readonly description: string;
  readonly answersStatus = true;
  private port: SerialPort | undefined;
  private inbox: number[] = [];
  private waiter: (() => void) | undefined;
  private failure: PrinterError | undefined;
  private readonly baudRate: number;

  constructor(private readonly options: SerialPrinterOptions) {
    assert(options.path.length > 0, 'SerialPrinter: path must not be empty');
    this.baudRate = options.baudRate ?? 19200;
    assert(
      [9600, 19200, 38400, 57600, 115200].includes(this.baudRate),
      `SerialPrinter: unsupported baudRate ${this.baudRate}`,
    );
    this.description = `serial:${options.path}@${this.baudRate}`;
  }

  async connect(): Promise<void> {
    if (this.port?.isOpen && this.failure === undefined) return;
    this.failure = undefined;
    this.inbox = [];
    const create = this.options.createPort ?? ((o) => new SerialPort(o));
    const port = create({ path: this.options.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error
          ? reject(new PrinterError('open_failed', `${this.description}: ${error.message}`, { cause: error }))
          : resolve(),
      ),
    );
    port.on('data', (data: Buffer) => {
      const max = this.options.inboxBytesMax ?? 256;
      for (const byte of data) if (this.inbox.length < max) this.inbox.push(byte);
      this.waiter?.();
    });
    port.on('error', (cause: Error) => {
      this.failure = new PrinterError('disconnected', `${this.description}: ${cause.message}`, { cause });
      this.waiter?.();
    });
    port.on('close', () => {
      this.failure ??= new PrinterError('disconnected', `${this.description}: port closed`);
      this.waiter?.();
    });
    this.port = port;
  }

  async request(
    bytes: Uint8Array,
    responseLength: number,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    const port = this.open();
    this.inbox = [];
    port.write(Buffer.from(bytes));
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length < responseLength) {
      if (this.failure !== undefined) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const answer = Uint8Array.from(this.inbox.slice(0, responseLength));
    this.inbox = this.inbox.slice(responseLength);
    return answer;
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.open();
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (error) => {
        if (error)
          return reject(
            new PrinterError('disconnected', `${this.description}: ${error.message}`, { cause: error }),
          );
        port.drain((drainError) =>
          drainError
            ? reject(
                new PrinterError('disconnected', `${this.description}: ${drainError.message}`, {
                  cause: drainError,
                }),
              )
            : resolve(),
        );
      });
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port === undefined || !port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(): SerialPort {
    if (this.failure !== undefined) throw this.failure;
    if (this.port === undefined || !this.port.isOpen)
      throw new PrinterError('disconnected', `${this.description}: not open`);
    return this.port;
  }
}
