import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { assert } from '@tillpoint/core';
import { StatusResponder, type VirtualCondition } from './status-responder';

export interface VirtualPrinterOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  condition?: VirtualCondition;
  /** Connections kept in `connections`; older ones are dropped. */
  connectionsMax?: number;
}

export interface VirtualConnection {
  readonly id: number;
  /** Job bytes received (the DLE EOT status requests before them are answered, not kept). */
  jobBytes(): Uint8Array;
  readonly statusRequests: readonly number[];
  /** Resolves when the client closed the connection. */
  readonly closed: Promise<void>;
}

/**
 * A raw-TCP (port 9100 style) ESC/POS printer for tests and the demo: records what each
 * connection sends and answers DLE EOT as configured (`ok`, `paper_near_end`, `paper_out`,
 * `cover_open`, `offline`, or `silent`), switchable while running.
 */
export class VirtualPrinter {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextId = 1;
  readonly connections: VirtualConnection[] = [];
  condition: VirtualCondition;
  /** When set, a connection is reset after this many job bytes (a cable pulled mid-job). */
  dropAfterBytes: number | undefined;

  constructor(private readonly options: VirtualPrinterOptions = {}) {
    this.condition = options.condition ?? 'ok';
  }

  async start(): Promise<{ host: string; port: number }> {
    assert(this.server === undefined, 'virtual printer already started');
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
    await once(server, 'listening');
    return this.address();
  }

  address(): { host: string; port: number } {
    const address = this.server?.address();
    assert(address !== null && typeof address === 'object', 'virtual printer is not listening');
    return { host: address.address, port: address.port };
  }

  setCondition(condition: VirtualCondition): void {
    this.condition = condition;
  }

  /** Job bytes of every connection that sent any, in order. */
  jobs(): Uint8Array[] {
    return this.connections.map((c) => c.jobBytes()).filter((bytes) => bytes.length > 0);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const responder = new StatusResponder(() => this.condition);
    let resolveClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    const connection: VirtualConnection = {
      id: this.nextId++,
      jobBytes: () => responder.jobBytes(),
      statusRequests: responder.statusRequests,
      closed,
    };
    this.connections.push(connection);
    const max = this.options.connectionsMax ?? 1000;
    if (this.connections.length > max) this.connections.splice(0, this.connections.length - max);
    socket.on('data', (data: Buffer) => {
      const answer = responder.receive(data);
      if (answer.length > 0) socket.write(answer);
      if (this.dropAfterBytes !== undefined && responder.jobBytes().length >= this.dropAfterBytes)
        socket.resetAndDestroy();
    });
    socket.on('error', () => {}); // a client reset is the client's business
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.sockets.delete(socket);
      resolveClosed();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  }
}

/** Starts a virtual printer and returns it with its address. */
export async function startVirtualPrinter(
  options: VirtualPrinterOptions = {},
): Promise<{ printer: VirtualPrinter; host: string; port: number }> {
  const printer = new VirtualPrinter(options);
  const { host, port } = await printer.start();
  return { printer, host, port };
}
