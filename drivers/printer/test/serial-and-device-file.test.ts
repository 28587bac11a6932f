import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceFilePrinter } from '../src/device-file-printer';
import { PrintQueue } from '../src/print-queue';
import type { PrinterTransport } from '../src/printer-transport';
import { queryStatus } from '../src/query-status';
import { SerialPrinter } from '../src/serial-printer';
import { StatusResponder, type VirtualCondition } from '../src/status-responder';
import { goldenJob } from './golden-job';
import { type PtyPrinter, startPtyPrinter } from './pty-printer';

/**
 * The serial and device-file transports against a printer simulated on the far end of a
 * pseudo-terminal pair made by socat (installed by scripts/system-deps.mjs).
 */
let dir = '';
let pty: PtyPrinter | undefined;
let condition: VirtualCondition = 'ok';
let responder = new StatusResponder(() => condition);

beforeAll(async () => {
  pty = await startPtyPrinter('tillpoint-pty-', (data) => responder.receive(data));
  dir = pty.dir;
});

afterAll(async () => {
  await pty?.stop();
});

async function printOnce(transport: PrinterTransport): Promise<void> {
  responder = new StatusResponder(() => condition);
  const queue = new PrintQueue(new Database(':memory:'), transport, {
    retryBaseMs: 10,
    statusTimeoutMs: 500,
  });
  queue.enqueue({ jobId: 'j', bytes: goldenJob() });
  queue.start();
  const deadline = Date.now() + 5000;
  while (queue.get('j')?.state !== 'printed') {
    if (Date.now() > deadline) throw new Error(`not printed: ${JSON.stringify(queue.get('j'))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await queue.stop();
  // The pty may hand over the last bytes a moment after the writer is done.
  const until = Date.now() + 2000;
  while (responder.jobBytes().length < goldenJob().length && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SerialPrinter over a pty pair', () => {
  it('asks the status and sends the job byte for byte', async () => {
    condition = 'ok';
    await printOnce(new SerialPrinter({ path: `${dir}/till`, baudRate: 19200 }));
    expect(responder.jobBytes()).toEqual(goldenJob());
    expect(responder.statusRequests).toEqual([1, 2, 4]);
  });

  it('reads paper out from the serial line', async () => {
    condition = 'paper_out';
    responder = new StatusResponder(() => condition);
    const serial = new SerialPrinter({ path: `${dir}/till` });
    await serial.connect();
    expect((await queryStatus(serial, 500)).paperOut).toBe(true);
    await serial.close();
  });

  it('a missing port is open_failed', async () => {
    await expect(new SerialPrinter({ path: `${dir}/nothing` }).connect()).rejects.toMatchObject({
      code: 'open_failed',
    });
  });
});

describe('DeviceFilePrinter on a character device', () => {
  it('asks the status and sends the job byte for byte', async () => {
    condition = 'ok';
    await printOnce(new DeviceFilePrinter({ path: `${dir}/till` }));
    expect(responder.jobBytes()).toEqual(goldenJob());
  });

  it('a device that does not answer is no_response, not a hang', async () => {
    condition = 'silent';
    responder = new StatusResponder(() => condition);
    const file = new DeviceFilePrinter({ path: `${dir}/till` });
    await file.connect();
    await expect(queryStatus(file, 100)).rejects.toMatchObject({ code: 'no_response' });
    await file.close();
  });

  it('a missing device file is disconnected', async () => {
    await expect(new DeviceFilePrinter({ path: `${dir}/lp9` }).connect()).rejects.toMatchObject({
      code: 'disconnected',
    });
  });
});
