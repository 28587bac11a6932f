import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSlip } from '@tillpoint/receipt';
import { afterAll, describe, expect, it } from 'vitest';

/** The virtual printer as the demo's reader runs it: a process that shows each slip and draws it. */
const cli = fileURLToPath(new URL('../src/virtual-printer-cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-vp-cli-'));
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('virtual printer command', () => {
  it('prints each slip as text and writes its picture', async () => {
    const slips = join(dir, 'slips');
    child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--slips', slips], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return pattern.exec(out) as RegExpExecArray;
    };
    const port = Number((await until(/virtual printer on [\d.]+:(\d+)/))[1]);
    const { escpos } = renderSlip(
      {
        language: 'en',
        currency: 'RUB',
        cardMasked: '**** 0015',
        earnedPoints: 16,
        spentPoints: 0,
        spentValueMinor: 0,
        balancePoints: 516,
        receiptId: 'R-0001',
        at: '2026-12-06T16:39:00+03:00',
      },
      {},
      { profile: 'TM-T20II', columns: 42, widthDots: 576 },
    );
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end(escpos);
    await until(/\+-+\+\n[\s\S]*\+-+\+/);
    expect(out).toContain('| Points earned                          +16 |');
    expect(out).toContain('| Balance                                516 |');
    expect(out).toContain('|      Receipt R-0001 2026-12-06 16:39       |');
    const png = join(slips, 'job-1.png');
    expect(existsSync(png)).toBe(true);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  }, 30_000);
});
