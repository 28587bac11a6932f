import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A faithful TCP forwarder that tells the test what passes through it, so that a cut can be
 * timed to a moment of the traffic: a push reaching the hub, the printer's first job byte.
 * `onData` runs for every chunk, `up` from the client, `down` from the server.
 */
export class TapProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetPort: number,
    private readonly onData: (direction: 'up' | 'down', chunk: Buffer, connection: number) => void,
  ) {}

  async start(): Promise<number> {
    let connections = 0;
    const server = createServer((client) => {
      const id = ++connections;
      const target = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, target]) {
        this.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          this.sockets.delete(socket);
          // A reset on one side is a reset on the other: the test sees what the process saw.
          client.destroy();
          target.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        this.onData('up', chunk, id);
        target.write(chunk);
      });
      target.on('data', (chunk: Buffer) => {
        this.onData('down', chunk, id);
        client.write(chunk);
      });
      client.on('end', () => target.end());
      target.on('end', () => client.end());
    });
    this.server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('tap proxy: no port');
    return address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.close();
    await once(server, 'close');
  }
}
