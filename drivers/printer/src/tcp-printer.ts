import { Socket } from 'node:net';
import { assert } from '@tillpoint/core';
import { PrinterError } from './printer-error';
import type { PrinterTransport } from './printer-transport';
import { ResponseInbox } from './response-inbox';

export interface TcpPrinterOptions {
  host: string;
  /** Raw printing port; 9100 on nearly every network printer. */
  port?: number;
  connectTimeoutMs?: number;
  /** Most bytes of unrequested input kept (status answers are 1 byte). */
  inboxBytesMax?: number;
}

/** Raw TCP (JetDirect, port 9100): what network ESC/POS printers speak. */
export class TcpPrinter implements PrinterTransport {
  readonly description: string;
  readonly answersStatus = true;
  private socket: Socket | undefined;
  private readonly inbox: ResponseInbox;

  constructor(private readonly options: TcpPrinterOptions) {
    assert(options.host.length > 0, 'TcpPrinter: host must not be empty');
    const port = options.port ?? 9100;
    assert(
      Number.isInteger(port) && port > 0 && port < 65536,
      `TcpPrinter: port must be 1..65535, got ${port}`,
    );
    this.description = `tcp://${options.host}:${port}`;
    this.inbox = new ResponseInbox(options.inboxBytesMax);
  }

  async connect(): Promise<void> {
    if (this.socket !== undefined && this.inbox.failure === undefined) return;
    this.reset();
    const socket = new Socket();
    const timeoutMs = this.options.connectTimeoutMs ?? 3000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PrinterError('disconnected', `${this.description}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (cause) => {
        clearTimeout(timer);
        reject(new PrinterError('disconnected', `${this.description}: ${cause.message}`, { cause }));
      });
      socket.connect(this.options.port ?? 9100, this.options.host);
    });
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.inbox.receive(data));
    socket.on('error', (cause) =>
      this.inbox.fail(new PrinterError('disconnected', `${this.description}: ${cause.message}`, { cause })),
    );
    socket.on('close', () =>
      this.inbox.fail(
        new PrinterError('disconnected', `${this.description}: connection closed by the printer`),
      ),
    );
    this.socket = socket;
  }

  async request(
    bytes: Uint8Array,
    responseLength: number,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    const socket = this.connected();
    this.inbox.clear();
    socket.write(bytes);
    return this.inbox.take(responseLength, timeoutMs);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const socket = this.connected();
    await new Promise<void>((resolve, reject) => {
      socket.write(bytes, (error) => {
        if (error)
          reject(new PrinterError('disconnected', `${this.description}: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
    if (this.inbox.failure !== undefined) throw this.inbox.failure;
  }

  /**
   * Ends the connection after the written bytes are flushed and waits for the printer to close
   * its side. Rejects with `disconnected` if the connection was reset instead: then the printer
   * may not have received everything.
   */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    if (socket.destroyed) {
      if (this.inbox.failure !== undefined && this.inbox.failure.cause !== undefined)
        throw this.inbox.failure;
      return;
    }
    const clean = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(true);
      }, 2000);
      socket.once('close', (hadError: boolean) => {
        clearTimeout(timer);
        resolve(!hadError);
      });
      socket.end();
    });
    if (!clean)
      throw (
        this.inbox.failure ??
        new PrinterError('disconnected', `${this.description}: connection reset while closing`)
      );
  }

  private connected(): Socket {
    if (this.inbox.failure !== undefined) throw this.inbox.failure;
    if (this.socket === undefined)
      throw new PrinterError('disconnected', `${this.description}: not connected`);
    return this.socket;
  }

  private reset(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.inbox.reset();
  }
}
