import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { assert } from '@tillpoint/core';
import { PrinterError } from './printer-error';
import type { PrinterTransport } from './printer-transport';

export interface DeviceFilePrinterOptions {
  /** `/dev/usb/lp0` (Linux usblp), or any character device the printer appears as. */
  path: string;
  /** `query`: the device answers DLE EOT (bidirectional usblp); `none`: write-only, no status. */
  status?: 'query' | 'none';
  pollIntervalMs?: number;
}

/**
 * A printer behind a device file. Opened non-blocking so a status read that gets no answer
 * times out instead of holding a thread forever.
 */
export class DeviceFilePrinter implements PrinterTransport {
  readonly description: string;
  readonly answersStatus: boolean;
  private handle: FileHandle | undefined;

  constructor(private readonly options: DeviceFilePrinterOptions) {
    assert(options.path.startsWith('/'), `DeviceFilePrinter: path must be absolute, got "${options.path}"`);
    this.description = `file:${options.path}`;
    this.answersStatus = (options.status ?? 'query') === 'query';
  }

  async connect(): Promise<void> {
    if (this.handle !== undefined) return;
    try {
      this.handle = await open(
        this.options.path,
        constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new PrinterError(
        code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO' ? 'disconnected' : 'open_failed',
        `${this.description}: ${(cause as Error).message}${code === 'EACCES' ? ' (add the agent user to the "lp" group)' : ''}`,
        { cause },
      );
    }
  }

  async request(
    bytes: Uint8Array,
    responseLength: number,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    const handle = this.opened();
    await this.writeAll(handle, bytes);
    const answer = new Uint8Array(responseLength);
    let got = 0;
    const deadline = Date.now() + timeoutMs;
    while (got < responseLength && Date.now() < deadline) {
      try {
        const { bytesRead } = await handle.read(answer, got, responseLength - got, null);
        got += bytesRead;
        if (bytesRead > 0) continue;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw this.broken(error);
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs ?? 10));
    }
    return got === responseLength ? answer : undefined;
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.writeAll(this.opened(), bytes);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => {});
  }

  private async writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
    let offset = 0;
    let stalledMs = 0;
    while (offset < bytes.length) {
      try {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null);
        offset += bytesWritten;
        stalledMs = 0;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw this.broken(error);
        stalledMs += 10;
        if (stalledMs > 30_000)
          throw new PrinterError('no_response', `${this.description}: not accepting data for 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  private opened(): FileHandle {
    if (this.handle === undefined) throw new PrinterError('disconnected', `${this.description}: not open`);
    return this.handle;
  }

  private broken(cause: unknown): PrinterError {
    return new PrinterError('disconnected', `${this.description}: ${(cause as Error).message}`, { cause });
  }
}
