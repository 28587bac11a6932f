import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceFilePrinter } from '../src/device-file-printer';
import { MockPrinterTransport } from '../src/mock-printer-transport';
import type { PrinterTransport } from '../src/printer-transport';
import { queryStatus } from '../src/query-status';
import { SerialPrinter } from '../src/serial-printer';
import { StatusResponder, type VirtualCondition } from '../src/status-responder';
import { TcpPrinter } from '../src/tcp-printer';
import { VirtualPrinter } from '../src/virtual-printer';
import { goldenJob } from './golden-job';
import { type PtyPrinter, startPtyPrinter } from './pty-printer';

/**
 * One contract for every `PrinterTransport`: the same cases against TCP (virtual printer),
 * serial and device file (a printer simulated across a socat pty pair) and the mock.
 */
interface Harness {
  transport(): PrinterTransport;
  setCondition(condition: VirtualCondition): void;
  /** Job bytes the printer side received since the last `reset`. */
  received(): Uint8Array;
  /** A new session on the printer side (TCP gets one per connection by itself). */
  reset(): void;
}

function contract(name: string, harness: () => Harness): void {
  describe(`PrinterTransport contract: ${name}`, () => {
    it('reads ok, paper out and cover open from DLE EOT', async () => {
      const h = harness();
      h.reset();
      const transport = h.transport();
      await transport.connect();
      for (const [condition, check] of [
        ['ok', (s: Awaited<ReturnType<typeof queryStatus>>) => s.online && !s.paperOut],
        ['paper_out', (s: Awaited<ReturnType<typeof queryStatus>>) => s.paperOut],
        ['cover_open', (s: Awaited<ReturnType<typeof queryStatus>>) => s.coverOpen],
      ] as const) {
        h.setCondition(condition);
        expect(check(await queryStatus(transport, 500))).toBe(true);
      }
      await transport.close();
    });

    it('a silent printer is no_response within the timeout', async () => {
      const h = harness();
      h.reset();
      h.setCondition('silent');
      const transport = h.transport();
      await transport.connect();
      const started = Date.now();
      await expect(queryStatus(transport, 100)).rejects.toMatchObject({ code: 'no_response' });
      expect(Date.now() - started).toBeLessThan(2000);
      await transport.close();
    });

    it('delivers a job byte for byte after a status check, and close is safe twice', async () => {
      const h = harness();
      h.setCondition('ok');
      h.reset();
      const transport = h.transport();
      await transport.connect();
      await queryStatus(transport, 500);
      await transport.write(goldenJob());
      await transport.close();
      await transport.close();
      const deadline = Date.now() + 2000;
      while (h.received().length < goldenJob().length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(h.received()).toEqual(goldenJob());
    });
  });
}

// --- TCP against the virtual printer
let virtual: VirtualPrinter;
let tcpPort = 0;
// --- serial and device file across a pty pair
let dir = '';
let pty: PtyPrinter | undefined;
let ptyCondition: VirtualCondition = 'ok';
let ptyResponder = new StatusResponder(() => ptyCondition);

beforeAll(async () => {
  virtual = new VirtualPrinter();
  tcpPort = (await virtual.start()).port;
  pty = await startPtyPrinter('tillpoint-contract-', (data) => ptyResponder.receive(data));
  dir = pty.dir;
});

afterAll(async () => {
  await virtual.stop();
  await pty?.stop();
});

contract('TcpPrinter', () => ({
  transport: () => new TcpPrinter({ host: '127.0.0.1', port: tcpPort }),
  setCondition: (c) => virtual.setCondition(c),
  received: () => virtual.connections.at(-1)?.jobBytes() ?? new Uint8Array(),
  reset: () => {},
}));

const ptyHarness = (transport: () => PrinterTransport) => (): Harness => ({
  transport,
  setCondition: (c) => {
    ptyCondition = c;
  },
  received: () => ptyResponder.jobBytes(),
  reset: () => {
    ptyResponder = new StatusResponder(() => ptyCondition);
  },
});
contract(
  'SerialPrinter',
  ptyHarness(() => new SerialPrinter({ path: `${dir}/till`, baudRate: 19200 })),
);
contract(
  'DeviceFilePrinter',
  ptyHarness(() => new DeviceFilePrinter({ path: `${dir}/till` })),
);

const mock = new MockPrinterTransport();
contract('MockPrinterTransport', () => ({
  transport: () => mock,
  setCondition: (c) => {
    mock.condition = c;
  },
  received: () => mock.jobs.at(-1) ?? new Uint8Array(),
  reset: () => {},
}));
