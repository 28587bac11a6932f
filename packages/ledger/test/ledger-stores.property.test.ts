import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '../src/store/index';
import {
  cardCount,
  counterIds,
  dayMs,
  type LedgerOp,
  ledgerOp,
  runOps,
  type Step,
  startAt,
} from './ledger-ops';
import { checkEnd, checkFullReturnRestores, checkStep } from './ledger-properties';
import { tempLedger } from './temp-ledger';

let env: ReturnType<typeof tempLedger> | undefined;
afterEach(() => {
  env?.cleanup();
  env = undefined;
});

/**
 * Both stores, through `LedgerStore`, on the same random histories: every outcome (values and
 * refusal codes, ids included: both make ids from the same counter) and every card view agree at
 * every step; replays answer the first answer; invariants, chain and unacknowledged spend hold at
 * the end; and a full return right after a sale restores the card exactly, on both.
 */
describe('SqliteLedgerStore and MemoryLedgerStore agree under random histories', () => {
  it('same outcomes, card views, outboxes and unacknowledged spend at every step', () => {
    const stats = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.array(ledgerOp, { minLength: 5, maxLength: 40 }),
        fc.record({ total: fc.integer({ min: 1, max: 100_000 }), earn: fc.nat(300), redeem: fc.nat(300) }),
        (random: LedgerOp[], full) => {
          // Every history starts with a fingerprinted sale retried an hour later (its dates moved),
          // so both stores meet that path in every run, whatever the random part draws.
          const ops: LedgerOp[] = [
            {
              op: 'sale',
              card: 0,
              total: 10_000,
              earn: 5,
              vestDays: 0,
              lifeDays: 30,
              redeem: 0,
              useHold: null,
              fingerprint: true,
              lines: 2,
              grant: null,
            },
            { op: 'retry', of: 0, how: 'moved' },
            ...random,
          ];
          env?.cleanup();
          env = tempLedger({ newId: counterIds() });
          const sqlite = env.store;
          const memory = new MemoryLedgerStore({ tillId: 'till-1', clock: env.clock, newId: counterIds() });
          for (let c = 0; c < cardCount; c++) {
            for (const store of [sqlite, memory])
              store.enrolCard({ idempotencyKey: `enrol${c}`, cardId: `card${c}`, at: startAt });
          }
          // The memory store runs the history first; its outcomes and views are what the SQLite store must give.
          const memorySteps: Step[] = [];
          const views: unknown[][] = [];
          runOps(memory, ops, (step) => {
            memorySteps.push(step);
            views.push(
              Array.from({ length: cardCount }, (_, c) => [
                memory.getCard(`card${c}`, step.at),
                memory.unackedSpend(`card${c}`),
              ]),
            );
          });
          const endAt = runOps(sqlite, ops, (step) => {
            checkStep(sqlite, step);
            expect(step).toEqual(memorySteps[step.index]);
            const outcome = step.outcome === null ? 'none' : step.outcome.ok ? 'ok' : step.outcome.code;
            const key = `${ops[step.index]?.op}${step.retry ? `/${step.retry.how}` : ''}:${outcome}`;
            stats.set(key, (stats.get(key) ?? 0) + 1);
            for (let c = 0; c < cardCount; c++) {
              expect([sqlite.getCard(`card${c}`, step.at), sqlite.unackedSpend(`card${c}`)]).toEqual(
                views[step.index]?.[c],
              );
            }
          });
          // Holds are active or not as of the history's last moment, not the clock's start.
          env.clock.set(endAt);
          for (const store of [sqlite, memory]) checkEnd(store);
          expect(sqlite.outboxHead()).toEqual(memory.outboxHead());
          expect(sqlite.outboxAfter(0, 1000)).toEqual(memory.outboxAfter(0, 1000));
          for (let c = 0; c < cardCount; c++)
            expect(sqlite.unackedSpend(`card${c}`)).toEqual(memory.unackedSpend(`card${c}`));
          const restored = [sqlite, memory].map((store) =>
            checkFullReturnRestores(store, endAt + dayMs, full),
          );
          expect(restored[0]).toBe(restored[1]);
          expect(sqlite.getCard('card0', endAt + dayMs)).toEqual(memory.getCard('card0', endAt + dayMs));
        },
      ),
      { numRuns: 50 },
    );
    // The histories must reach the interesting paths, or the property proves little (the memory
    // store's property test, with six times the runs, asks for every refusal path).
    for (const path of [
      'sale:ok',
      'sale:insufficient_points',
      'hold:ok',
      'return:ok',
      'retry/same:ok',
      'retry/moved:ok',
    ]) {
      expect(stats.get(path) ?? 0, path).toBeGreaterThan(0);
    }
  }, 120_000);
});
