import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tillpoint/core';
import { openLedgerStore, type SqliteLedgerStore } from '@tillpoint/ledger/store';
import { loadProgramFile } from '@tillpoint/rules';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentState } from '../../src/agent-state';
import { loadConfig } from '../../src/config/load-config';
import { AgentEvents } from '../../src/events';
import { TillSession } from '../../src/till-session';
import { writeConfig } from '../agent-process';

const fixtures = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));
const card = '2000000000015';
const basketOf = (amountMinor: number) => ({
  currency: 'RUB',
  lines: [
    {
      id: '1',
      sku: 'item',
      quantity: 1,
      unitPriceMinor: amountMinor,
      amountMinor,
      tags: [],
      discountMinor: 0,
      promotions: [],
    },
  ],
});

/** agent.sqlite whose first `finish` never happens: the process died right after the ledger's commit. */
class DiesAfterCommit extends AgentState {
  dead = false;
  override finish(key: string, status: number, body: unknown): void {
    if (!this.dead) {
      this.dead = true;
      throw new Error('power cut: the answer was never recorded');
    }
    super.finish(key, status, body);
  }
}

/**
 * Found by the power-cut test with agent.sqlite made fully durable (seed 20261206, 1,000 cuts,
 * transaction 15): a spend committed by the ledger whose answer was never recorded (the agent
 * died between the two) is retried with its key and body, and the agent judges the retry
 * against the card as it is after that very spend, refusing it (insufficient_points) while the
 * ledger holds it. The POS is told to sell without loyalty, the buyer's points are gone. A
 * SIGKILL in the same place does the same. Here the agent's death is made to fall exactly
 * there: the first recording of an answer fails, as it would if the process had died.
 */
describe('a sale retried after its commit but before its answer was recorded', () => {
  const dirs: string[] = [];
  const closers: (() => void)[] = [];
  afterAll(() => {
    for (const close of closers) close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function session(): Promise<{
    session: TillSession;
    ledger: SqliteLedgerStore;
    state: DiesAfterCommit;
  }> {
    const dir = mkdtempSync(join(tmpdir(), 'tillpoint-retry-'));
    dirs.push(dir);
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const { config, paths } = loadConfig(
      writeConfig(dir, { port: 8787, token: 'retry-token-0123456789abcdefghij', printerYaml: '' }),
    );
    const program = await loadProgramFile(paths.programFile);
    if (!program.ok) throw new Error(program.message);
    const ledger = openLedgerStore({ path: join(dir, 'till.sqlite'), tillId: config.tillId });
    const state = new DiesAfterCommit(join(dir, 'agent.sqlite'));
    closers.push(() => {
      ledger.close();
      state.close();
    });
    const logger = pino({ level: 'silent' });
    const events = new AgentEvents();
    return {
      session: new TillSession({
        config,
        program: program.value,
        state,
        events,
        clock: systemClock,
        logger,
        ledger,
      }),
      ledger,
      state,
    };
  }

  it('gets the sale the ledger booked, not a refusal, when the spend took the last points', async () => {
    const { session: till, ledger, state } = await session();
    state.dead = true; // the earning sale is recorded normally
    // 5 % of 200.00 = 10 points to spend.
    const earned = till.commit({
      idempotencyKey: 'earn-1',
      receiptId: 'R-1',
      cardCode: card,
      basket: basketOf(20_000),
    });
    expect(earned.ok && earned.value.earnedPoints).toBe(10);
    state.dead = false;
    // Spends all 10 (20 % of 50.00 = 10 points at most); the agent dies before recording the answer.
    const spend = {
      idempotencyKey: 'spend-1',
      receiptId: 'R-2',
      cardCode: card,
      basket: basketOf(5_000),
      spendPoints: 10,
    };
    expect(() => till.commit(spend)).toThrow(/power cut/);
    const booked = ledger.outboxAfter(0, 100).filter((e) => e.idempotencyKey === 'spend-1');
    expect(booked, 'the ledger committed the spend').toHaveLength(1);
    // The POS retries, key and body unchanged.
    const retried = till.commit(spend);
    expect(
      retried.ok ? { seq: retried.value.ledger.seq, spent: retried.value.spentPoints } : retried,
    ).toEqual({
      seq: booked[0]?.seq,
      spent: 10,
    });
  });
});
