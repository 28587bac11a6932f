import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MockPrinterTransport } from './mock-printer-transport';
import { type PrinterState, PrintQueue, type PrintQueueOptions } from './print-queue';

const fast: PrintQueueOptions = { retryBaseMs: 5, retryMaxMs: 20, statusTimeoutMs: 50 };

function setup(options: PrintQueueOptions = fast) {
  const db = new Database(':memory:');
  const printer = new MockPrinterTransport();
  const queue = new PrintQueue(db, printer, options);
  const states: PrinterState[] = [];
  queue.on('printer_state', (event) => states.push(event.code));
  return { db, printer, queue, states };
}

const bytes = (...values: number[]) => Uint8Array.from([0x1b, 0x40, ...values, 0x0a]);

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('PrintQueue', () => {
  it('prints queued jobs in order, each once', async () => {
    const { printer, queue } = setup();
    queue.enqueue({ jobId: 'a', bytes: bytes(0x41) });
    queue.enqueue({ jobId: 'b', bytes: bytes(0x42) });
    queue.start();
    await until(() => printer.jobs.length === 2);
    await queue.stop();
    expect(printer.jobs).toEqual([bytes(0x41), bytes(0x42)]);
    expect(queue.get('a')?.state).toBe('printed');
  });

  it('holds a job while paper is out, reports paper_out, prints it once after the printer is ok', async () => {
    const { printer, queue, states } = setup();
    printer.condition = 'paper_out';
    queue.start();
    queue.enqueue({ jobId: 'r1', bytes: bytes(0x31) });
    await until(() => states.includes('paper_out'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(printer.jobs).toEqual([]);
    expect(queue.get('r1')?.state).toBe('queued');
    printer.condition = 'ok';
    await until(() => queue.get('r1')?.state === 'printed');
    await new Promise((resolve) => setTimeout(resolve, 30));
    await queue.stop();
    expect(printer.jobs).toEqual([bytes(0x31)]);
    expect(states).toEqual(['paper_out', 'ok']);
  });

  it('reports cover_open, offline, no_response and disconnected, and retries', async () => {
    const { printer, queue, states } = setup();
    queue.start();
    queue.enqueue({ jobId: 'x', bytes: bytes(0x58) });
    for (const condition of ['cover_open', 'offline', 'silent'] as const) {
      printer.condition = condition;
      const expected = condition === 'silent' ? 'no_response' : condition;
      await until(() => states.at(-1) === expected);
    }
    printer.condition = 'ok';
    printer.fault = 'refuse';
    await until(() => states.at(-1) === 'disconnected');
    expect(printer.jobs).toEqual([]);
    printer.fault = 'none';
    await until(() => queue.get('x')?.state === 'printed');
    await queue.stop();
    expect(printer.jobs.length).toBe(1);
  });

  it('prints on paper near end and says so', async () => {
    const { printer, queue, states } = setup();
    printer.condition = 'paper_near_end';
    queue.enqueue({ jobId: 'n', bytes: bytes(0x4e) });
    queue.start();
    await until(() => printer.jobs.length === 1);
    await queue.stop();
    expect(states).toEqual(['paper_near_end']);
  });

  it('accepts the same job id twice without a second copy; different bytes are a conflict', async () => {
    const { printer, queue } = setup();
    expect(queue.enqueue({ jobId: 'dup', bytes: bytes(1) })).toMatchObject({
      ok: true,
      value: { duplicate: false },
    });
    expect(queue.enqueue({ jobId: 'dup', bytes: bytes(1) })).toMatchObject({
      ok: true,
      value: { duplicate: true },
    });
    expect(queue.enqueue({ jobId: 'dup', bytes: bytes(2) })).toMatchObject({
      ok: false,
      code: 'job_conflict',
    });
    queue.start();
    await until(() => queue.get('dup')?.state === 'printed');
    expect(queue.enqueue({ jobId: 'dup', bytes: bytes(1) })).toMatchObject({
      ok: true,
      value: { duplicate: true, state: 'printed' },
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await queue.stop();
    expect(printer.jobs.length).toBe(1);
  });

  it('is bounded: refuses jobs past jobsMax and jobs too large', () => {
    const { queue } = setup({ ...fast, jobsMax: 2, jobBytesMax: 10 });
    expect(queue.enqueue({ jobId: '1', bytes: bytes(1) }).ok).toBe(true);
    expect(queue.enqueue({ jobId: '2', bytes: bytes(2) }).ok).toBe(true);
    expect(queue.enqueue({ jobId: '3', bytes: bytes(3) })).toMatchObject({ ok: false, code: 'queue_full' });
    expect(queue.enqueue({ jobId: '4', bytes: new Uint8Array(11) })).toMatchObject({
      ok: false,
      code: 'job_too_large',
    });
  });

  it('a write that breaks leaves the job uncertain and never re-sends it by itself; reprint does', async () => {
    const { printer, queue } = setup();
    const uncertain: string[] = [];
    queue.on('job_uncertain', (e) => uncertain.push(e.jobId));
    printer.fault = 'break';
    queue.enqueue({ jobId: 'u', bytes: bytes(0x55) });
    queue.start();
    await until(() => uncertain.length === 1);
    printer.fault = 'none';
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(queue.get('u')?.state).toBe('uncertain');
    expect(printer.jobs).toEqual([]);
    expect(queue.reprint('u').ok).toBe(true);
    await until(() => queue.get('u')?.state === 'printed');
    await queue.stop();
    expect(printer.jobs).toEqual([bytes(0x55)]);
    expect(queue.reprint('u')).toMatchObject({ ok: false, code: 'not_uncertain' });
  });

  it('after a crash mid-send, a new queue on the same database marks the job uncertain', async () => {
    const { db, printer, queue } = setup();
    printer.fault = 'hang';
    queue.enqueue({ jobId: 'crash', bytes: bytes(0x43) });
    queue.enqueue({ jobId: 'after', bytes: bytes(0x44) });
    queue.start();
    await until(() => queue.get('crash')?.state === 'sending');
    // The agent dies here: the old queue is abandoned mid-write.
    const next = new MockPrinterTransport();
    const restarted = new PrintQueue(db, next, fast);
    const uncertain: string[] = [];
    restarted.on('job_uncertain', (e) => uncertain.push(e.jobId));
    await until(() => uncertain.length === 1);
    expect(restarted.get('crash')?.state).toBe('uncertain');
    restarted.start();
    await until(() => restarted.get('after')?.state === 'printed');
    await restarted.stop();
    expect(next.jobs).toEqual([bytes(0x44)]);
  });
});
