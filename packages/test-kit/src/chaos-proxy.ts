import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy for fault tests: in `chaos` mode each connection may be dropped at once, cut
 * after some bytes of the answer (the hub did the work, the till never hears), delayed chunk
 * by chunk, or duplicated (everything the till sent is sent again on a second connection whose
 * answers are thrown away); no connection lives more than 3 s. `pass` forwards faithfully; `down` refuses every connection.
 */
export type ChaosMode = 'chaos' | 'pass' | 'down';

export class ChaosProxy {
  mode: ChaosMode = 'chaos';
  readonly stats = { connections: 0, dropped: 0, cut: 0, delayed: 0, duplicated: 0 };
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #seed: number;

  constructor(
    readonly targetPort: number,
    seed = 42,
  ) {
    this.#seed = seed;
  }

  /** A small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) | 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  async start(): Promise<number> {
    this.#server = createServer((client) => this.#handle(client));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Closes open connections (a network cut), without stopping the proxy. */
  cutAll(): void {
    for (const s of this.#sockets) s.destroy();
  }

  #track(socket: Socket): Socket {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  }

  #handle(client: Socket): void {
    this.#track(client);
    this.stats.connections += 1;
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    const roll = this.mode === 'chaos' ? this.#random() : 1;
    if (roll < 0.1) {
      this.stats.dropped += 1;
      client.destroy();
      return;
    }
    const upstream = this.#track(connect(this.targetPort, '127.0.0.1'));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    if (this.mode === 'chaos') {
      // No connection lives long: keep-alive must not let a till escape the chaos.
      const lifetime = setTimeout(close, 300 + Math.floor(this.#random() * 2_700));
      lifetime.unref();
      client.on('close', () => clearTimeout(lifetime));
    }
    const delayMs = roll < 0.35 ? 20 + Math.floor(this.#random() * 200) : 0;
    if (delayMs > 0) this.stats.delayed += 1;
    let cutAfter = roll >= 0.35 && roll < 0.5 ? Math.floor(this.#random() * 400) : Number.POSITIVE_INFINITY;
    if (Number.isFinite(cutAfter)) this.stats.cut += 1;
    const duplicate = roll >= 0.5 && roll < 0.62;
    let twin: Socket | undefined;
    if (duplicate) {
      this.stats.duplicated += 1;
      twin = this.#track(connect(this.targetPort, '127.0.0.1'));
      twin.on('data', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      const send = () => {
        upstream.write(chunk);
        twin?.write(chunk);
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (chunk.length >= cutAfter) {
        client.write(chunk.subarray(0, cutAfter));
        close();
        return;
      }
      cutAfter -= chunk.length;
      if (delayMs > 0) setTimeout(() => client.write(chunk), delayMs);
      else client.write(chunk);
    });
  }
}
