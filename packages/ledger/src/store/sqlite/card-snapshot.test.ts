import { msPerDay } from '@tillpoint/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { saleRequest, tempLedger } from '../../../test/temp-ledger';

const t0 = Date.parse('2026-01-01T00:00:00Z');
let env: ReturnType<typeof tempLedger>;
afterEach(() => env?.cleanup());

const earn = (points: number, at = t0) => [
  { points, vestsAt: at, expiresAt: at + 365 * msPerDay, ruleIds: ['base'] },
];

// The snapshot rules run for both stores in test/ledger-store-contract.ts; here, what the file keeps.
describe('SqliteLedgerStore: head office snapshots in the file', () => {
  it('checks the kept delta against the postings after the watermark on every open', () => {
    env = tempLedger();
    const { store } = env;
    store.setCardSnapshots({
      watermark: { epoch: null, seq: 0 },
      balances: [{ cardId: 'C1', available: 100, pending: 5 }],
      at: t0,
    });
    store.commitSale(saleRequest({ receiptId: 'R1', redeemPoints: 30, accruals: earn(7) }));
    store.commitSale(saleRequest({ receiptId: 'R2', redeemPoints: 10 }));
    store.close();
    const again = env.reopen();
    expect(again.getCard('C1', t0)).toMatchObject({ spendable: 67, headOffice: { sinceWatermark: -33 } });
  });

  it('finds a kept delta that disagrees with the postings (edited by hand)', () => {
    env = tempLedger();
    env.store.setCardSnapshots({
      watermark: { epoch: null, seq: 0 },
      balances: [{ cardId: 'C1', available: 10, pending: 0 }],
      at: t0,
    });
    env.store.commitSale(saleRequest({ receiptId: 'R1', redeemPoints: 4 }));
    env.store.close();
    const db = new Database(env.path);
    db.prepare("UPDATE card_snapshot SET delta = 0 WHERE card_id = 'C1'").run();
    db.close();
    expect(() => env.reopen()).toThrow(
      /snapshot keeps 0 points of entries after its watermark, postings say -4/,
    );
  });
});
