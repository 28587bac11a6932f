import { Socket } from 'node:net';
import { assert } from '@tillpoint/core';
import { PrinterError } from './printer-error';
import type { PrinterTransport } from './printer-transport';

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
  private inbox: number[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly options: TcpPrinterOptions) {
    assert(options.host.length > 0, 'TcpPrinter: host must not be empty');
    const port = options.port ?? 9100;
    assert(
      Number.isInteger(port) && port > 0 && port < 65536,
      `TcpPrinter: port must be 1..65535, got ${port}`,
    );
    this.description = `tcp://${options.host}:${port}`;
  }

  async connect(): Promise<void> {
    if (this.socket !== undefined && this.failure === undefined) return;
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
    socket.on('data', (data: Buffer) => {
      const max = this.options.inboxBytesMax ?? 256;
      for (const byte of data) if (this.inbox.length < max) this.inbox.push(byte);
      this.waiter?.();
    });
    socket.on('error', (cause) => {
      this.failure = new PrinterError('disconnected', `${this.description}: ${cause.message}`, { cause });
      this.waiter?.();
    });
    socket.on('close', () => {
      this.failure ??= new PrinterError(
        'disconnected',
        `${this.description}: connection closed by the printer`,
      );
      this.waiter?.();
    });
    this.socket = socket;
  }

  async request(
    bytes: Uint8Array,
    responseLength: number,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    const socket = this.connected();
    this.inbox = [];
    socket.write(bytes);
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
    const socket = this.connected();
    await new Promise<void>((resolve, reject) => {
      socket.write(bytes, (error) => {
        if (error)
          reject(new PrinterError('disconnected', `${this.description}: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
    if (this.failure !== undefined) throw this.failure;
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
      if (this.failure !== undefined && this.failure.cause !== undefined) throw this.failure;
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
        this.failure ??
        new PrinterError('disconnected', `${this.description}: connection reset while closing`)
      );
  }

  private connected(): Socket {
    if (this.failure !== undefined) throw this.failure;
    if (this.socket === undefined)
      throw new PrinterError('disconnected', `${this.description}: not connected`);
    return this.socket;
  }

  private reset(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.inbox = [];
    this.failure = undefined;
  }
}
