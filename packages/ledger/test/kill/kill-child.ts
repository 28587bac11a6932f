/**
 * The process the kill test murders. It commits ledger operations in a loop, forever,
 * and appends a line to the log only after each commit has returned:
 *   `<index> ok <idempotencyKey> <txnId> <seq>` or `<index> refused <key> <code>`.
 * Operation `i` is a pure function of `i`, so after a kill the next run re-sends the
 * operation that may or may not have been committed, under the same key. Sales carry a
 * fingerprint and an answer document, as the agent sends them.
 * argv: dbPath logPath startIndex
 */
import { appendFileSync } from 'node:fs';
import { openLedgerStore } from '../../src/store/index';
import { withSaleFact } from '../sale-facts';

const [dbPath, logPath, startArg] = process.argv.slice(2);
if (dbPath === undefined || logPath === undefined || startArg === undefined) {
  throw new Error('usage: kill-child <dbPath> <logPath> <startIndex>');
}
const base = Date.parse('2026-03-01T00:00:00Z');
const minute = 60_000;
const day = 86_400_000;
const store = openLedgerStore({ path: dbPath, tillId: 'kill-till', integrityCheck: 'quick' });
process.stdout.write('ready\n');

function basket(i: number): number {
  return 1000 + ((i * 7919) % 50_000);
}

function log(line: string): void {
  appendFileSync(logPath as string, `${line}\n`);
}

type Result = { ok: true; value: { txnId: string; seq: number } } | { ok: false; code: string };

let first = true;

function record(i: number, key: string, result: Result): void {
  if (first) {
    // The parent's kill window starts now (see kill.test.ts).
    process.stdout.write('committing\n');
    first = false;
  }
  log(
    result.ok
      ? `${i} ok ${key} ${result.value.txnId} ${result.value.seq}`
      : `${i} refused ${key} ${result.code}`,
  );
}

function sale(i: number, key: string, at: number, redeemPoints: number, holdId?: string): Result {
  const total = basket(i);
  return store.commitSale(
    withSaleFact({
      idempotencyKey: key,
      fingerprint: `pos-body-${i}`,
      cardId: `K${i % 4}`,
      receiptId: `receipt-${i}`,
      at,
      basketTotalMinor: total,
      accruals: [
        {
          points: Math.floor(total / 100),
          vestsAt: i % 3 === 0 ? at + day : at,
          expiresAt: at + 30 * day,
          ruleIds: ['base'],
        },
      ],
      redeemPoints,
      rulesVersion: 'kill-v1',
      ...(holdId === undefined ? {} : { holdId }),
    }),
    // The agent's answer document: written in the same transaction as the entry, or not at all.
    { answer: (sold) => ({ index: i, txnId: sold.txnId, seq: sold.seq }) },
  );
}

for (let i = Number(startArg); ; i++) {
  const at = base + i * minute;
  const key = `op-${i}`;
  switch (i % 8) {
    case 3: {
      const hold = store.hold({
        idempotencyKey: `hold-${i}`,
        cardId: `K${i % 4}`,
        points: 20,
        at,
        ttlMs: 10 * minute,
      });
      record(i, key, hold.ok ? sale(i, key, at + 1000, 15, hold.value.holdId) : hold);
      break;
    }
    case 5:
    case 7: {
      // Half of the sale's one line, then the other half: by line, the second one completes it.
      const saleIndex = i - (i % 8);
      record(
        i,
        key,
        store.returnSale({
          idempotencyKey: key,
          receiptId: `receipt-${saleIndex}`,
          at,
          storeId: 'store-1',
          lines: [{ lineId: 'L1', quantity: 0.5 }],
        }),
      );
      break;
    }
    case 6:
      record(
        i,
        key,
        store.adjust({
          idempotencyKey: key,
          cardId: `K${i % 4}`,
          points: i % 16 === 6 ? 10 : -5,
          actor: 'kill-test',
          role: 'store_manager',
          reason: 'kill test',
          at,
        }),
      );
      break;
    default:
      record(i, key, sale(i, key, at, i % 5 === 0 ? 25 : 0));
  }
}
