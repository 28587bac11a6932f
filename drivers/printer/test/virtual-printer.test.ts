import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrinterState, PrintQueue } from '../src/print-queue';
import { queryStatus } from '../src/query-status';
import { TcpPrinter } from '../src/tcp-printer';
import { startVirtualPrinter, type VirtualPrinter } from '../src/virtual-printer';
import { goldenJob } from './golden-job';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function printer(
  condition: 'ok' | 'paper_out' = 'ok',
): Promise<{ virtual: VirtualPrinter; port: number }> {
  const { printer: virtual, port } = await startVirtualPrinter({ condition });
  cleanups.push(() => virtual.stop());
  return { virtual, port };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('printing through a real TCP socket to the virtual printer', () => {
  it('the bytes received equal the golden file', async () => {
    const { virtual, port } = await printer();
    const db = new Database(':memory:');
    const queue = new PrintQueue(db, new TcpPrinter({ host: '127.0.0.1', port }), { retryBaseMs: 10 });
    queue.enqueue({ jobId: 'golden', bytes: goldenJob() });
    queue.start();
    await until(() => queue.get('golden')?.state === 'printed');
    await queue.stop();
    expect(virtual.jobs()).toEqual([goldenJob()]);
    expect(virtual.connections[0]?.statusRequests).toEqual([1, 2, 4]);
  });

  it('answers status as configured and switches at run time; a silent printer is no_response', async () => {
    const { virtual, port } = await printer('paper_out');
    const tcp = new TcpPrinter({ host: '127.0.0.1', port });
    await tcp.connect();
    expect((await queryStatus(tcp, 500)).paperOut).toBe(true);
    virtual.setCondition('cover_open');
    expect((await queryStatus(tcp, 500)).coverOpen).toBe(true);
    virtual.setCondition('silent');
    await expect(queryStatus(tcp, 100)).rejects.toMatchObject({ code: 'no_response' });
    await tcp.close();
  });

  it('a printer that is not there is disconnected', async () => {
    const { virtual, port } = await printer();
    await virtual.stop();
    await expect(new TcpPrinter({ host: '127.0.0.1', port }).connect()).rejects.toMatchObject({
      code: 'disconnected',
    });
  });

  it('paper out: the job waits, the queue reports paper_out, and prints exactly once when ok', async () => {
    const { virtual, port } = await printer('paper_out');
    const db = new Database(':memory:');
    const queue = new PrintQueue(db, new TcpPrinter({ host: '127.0.0.1', port }), {
      retryBaseMs: 10,
      retryMaxMs: 40,
    });
    const states: PrinterState[] = [];
    queue.on('printer_state', (e) => states.push(e.code));
    queue.enqueue({ jobId: 'wait', bytes: goldenJob() });
    queue.start();
    await until(() => states.includes('paper_out'));
    await until(() => virtual.connections.length >= 3); // it kept asking
    expect(virtual.jobs()).toEqual([]);
    expect(queue.get('wait')?.state).toBe('queued');
    virtual.setCondition('ok');
    await until(() => queue.get('wait')?.state === 'printed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.stop();
    expect(virtual.jobs()).toEqual([goldenJob()]);
    expect(states).toEqual(['paper_out', 'ok']);
  });

  it('a connection reset in the middle of a job leaves it uncertain, and it is not sent again', async () => {
    const { virtual, port } = await printer();
    virtual.dropAfterBytes = 1000;
    const queue = new PrintQueue(new Database(':memory:'), new TcpPrinter({ host: '127.0.0.1', port }), {
      retryBaseMs: 10,
    });
    const uncertain: string[] = [];
    queue.on('job_uncertain', (e) => uncertain.push(e.jobId));
    const big = new Uint8Array(900 * 1024).fill(0x41);
    big.set([0x1b, 0x40]);
    expect(queue.enqueue({ jobId: 'cut-off', bytes: big }).ok).toBe(true);
    queue.enqueue({ jobId: 'next', bytes: goldenJob() });
    queue.start();
    await until(() => uncertain.includes('cut-off'));
    virtual.dropAfterBytes = undefined;
    await until(() => queue.get('next')?.state === 'printed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.stop();
    expect(queue.get('cut-off')?.state).toBe('uncertain');
    const jobs = virtual.jobs();
    expect(jobs.length).toBe(2);
    expect(jobs[0]!.length).toBeLessThan(big.length);
    expect(jobs[1]).toEqual(goldenJob());
  });

  it('killing the agent with a job queued loses nothing: the restarted agent prints it once', async () => {
    const { virtual, port } = await printer('paper_out');
    const dir = mkdtempSync(join(tmpdir(), 'tillpoint-queue-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbFile = join(dir, 'till.sqlite');
    const root = resolve(import.meta.dirname, '../../..');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, 'agent-child.ts'), dbFile, String(port)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await until(() => output.includes('state paper_out'), 20_000);
    expect(output).toContain('enqueued true');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(virtual.jobs()).toEqual([]);

    virtual.setCondition('ok');
    const db = new Database(dbFile);
    cleanups.push(() => {
      db.close();
    });
    const queue = new PrintQueue(db, new TcpPrinter({ host: '127.0.0.1', port }), { retryBaseMs: 10 });
    expect(queue.get('receipt-R-0042-000173')?.state).toBe('queued');
    queue.start();
    await until(() => queue.get('receipt-R-0042-000173')?.state === 'printed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.stop();
    expect(virtual.jobs()).toEqual([goldenJob()]);
  }, 30_000);
});
