import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tillpoint/core';
import type { LedgerStore } from '@tillpoint/ledger';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { commitRequestSchema } from '@tillpoint/protocol';
import { loadProgramFile } from '@tillpoint/rules';
import { writeConfig } from '@tillpoint/test-kit/agent-process';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config';
import { AgentEvents } from '../../src/run/events';
import { TillSession } from '../../src/till/till-session';

const fixtures = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));
const card = '2000000000015';
const basketOf = (amountMinor: number) => ({
  currency: 'RUB',
  lines: [{ id: '1', sku: 'item', quantity: 1, unitPriceMinor: amountMinor, amountMinor }],
});

/** The ledger of a process that dies the moment a sale's transaction has committed. */
function diesAfterCommit(ledger: LedgerStore): LedgerStore & { dead: boolean } {
  const state = { dead: false };
  return new Proxy(ledger, {
    get(target, name) {
      if (name === 'dead') return state.dead;
      const value = Reflect.get(target, name, target);
      if (name !== 'commitSale' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!state.dead) {
          state.dead = true;
          throw new Error('power cut: the process died after the commit, before it answered');
        }
        return result;
      };
    },
    set(_target, name, value) {
      if (name === 'dead') state.dead = value as boolean;
      return true;
    },
  }) as LedgerStore & { dead: boolean };
}

/**
 * Found by the power-cut test (seed 20261206, 1,000 cuts, transaction 15): a spend committed by
 * the ledger whose answer never reached the POS (the process died between the two) is retried
 * with its key and body. Before the fix the agent judged the retry against the card as it was
 * after that very spend and refused it (insufficient_points) while the ledger held it: the POS
 * was told to sell without loyalty and the buyer's points were gone. Now the ledger keeps the
 * answer in the sale's own transaction and answers the retry before anything is decided again.
 */
describe('a sale retried after its commit but before its answer was sent', () => {
  const dirs: string[] = [];
  const closers: (() => void)[] = [];
  afterAll(() => {
    for (const close of closers) close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('gets the sale the ledger booked, not a refusal, when the spend took the last points', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillpoint-retry-'));
    dirs.push(dir);
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const { config, paths } = loadConfig(
      writeConfig(dir, { port: 8787, token: 'retry-token-0123456789abcdefghij', printerYaml: '' }),
    );
    const program = await loadProgramFile(paths.programFile);
    if (!program.ok) throw new Error(program.message);
    const file = join(dir, 'till.sqlite');
    const session = (ledger: LedgerStore) =>
      new TillSession({
        config,
        program: program.value,
        events: new AgentEvents(),
        clock: systemClock,
        logger: pino({ level: 'silent' }),
        ledger,
      });

    const first = openLedgerStore({ path: file, tillId: config.tillId });
    const dying = diesAfterCommit(first);
    dying.dead = true; // the earning sale goes through normally
    const till = session(dying);
    // 5 % of 200.00 = 10 points to spend.
    const earned = till.commit(
      commitRequestSchema.parse({
        idempotencyKey: 'earn-key-1',
        receiptId: 'R-1',
        cardCode: card,
        basket: basketOf(20_000),
      }),
    );
    expect(earned.ok && earned.value.earnedPoints).toBe(10);
    dying.dead = false;
    // Spends all 10 (20 % of 50.00 = 10 points at most); the process dies once it has committed.
    const spend = commitRequestSchema.parse({
      idempotencyKey: 'spend-key-1',
      receiptId: 'R-2',
      cardCode: card,
      basket: basketOf(5_000),
      spendPoints: 10,
    });
    expect(() => till.commit(spend)).toThrow(/power cut/);
    first.close();

    // The agent starts again on the same file; the POS retries, key and body unchanged.
    const ledger = openLedgerStore({ path: file, tillId: config.tillId });
    closers.push(() => ledger.close());
    const booked = ledger.outboxAfter(0, 100).filter((e) => e.idempotencyKey === 'spend-key-1');
    expect(booked, 'the ledger committed the spend').toHaveLength(1);
    const retried = session(ledger).commit(spend);
    expect(
      retried.ok ? { seq: retried.value.ledger.seq, spent: retried.value.spentPoints } : retried,
    ).toEqual({
      seq: booked[0]?.seq,
      spent: 10,
    });
    expect(ledger.outboxAfter(0, 100).filter((e) => e.idempotencyKey === 'spend-key-1')).toHaveLength(1);
  });
});
