import { assert } from '@tillpoint/core';
import { SerialPort } from 'serialport';
import { PrinterError } from './printer-error';
import type { PrinterTransport } from './printer-transport';
import { ResponseInbox } from './response-inbox';

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
  private readonly inbox: ResponseInbox;
  private readonly baudRate: number;

  constructor(private readonly options: SerialPrinterOptions) {
    assert(options.path.length > 0, 'SerialPrinter: path must not be empty');
    this.baudRate = options.baudRate ?? 19200;
    assert(
      [9600, 19200, 38400, 57600, 115200].includes(this.baudRate),
      `SerialPrinter: unsupported baudRate ${this.baudRate}`,
    );
    this.description = `serial:${options.path}@${this.baudRate}`;
    this.inbox = new ResponseInbox(options.inboxBytesMax);
  }

  async connect(): Promise<void> {
    if (this.port?.isOpen && this.inbox.failure === undefined) return;
    this.inbox.reset();
    const create = this.options.createPort ?? ((o) => new SerialPort(o));
    const port = create({ path: this.options.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error
          ? reject(new PrinterError('open_failed', `${this.description}: ${error.message}`, { cause: error }))
          : resolve(),
      ),
    );
    port.on('data', (data: Buffer) => this.inbox.receive(data));
    port.on('error', (cause: Error) =>
      this.inbox.fail(new PrinterError('disconnected', `${this.description}: ${cause.message}`, { cause })),
    );
    port.on('close', () =>
      this.inbox.fail(new PrinterError('disconnected', `${this.description}: port closed`)),
    );
    this.port = port;
  }

  async request(
    bytes: Uint8Array,
    responseLength: number,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    const port = this.open();
    this.inbox.clear();
    port.write(Buffer.from(bytes));
    return this.inbox.take(responseLength, timeoutMs);
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
    if (this.inbox.failure !== undefined) throw this.inbox.failure;
    if (this.port === undefined || !this.port.isOpen)
      throw new PrinterError('disconnected', `${this.description}: not open`);
    return this.port;
  }
}
