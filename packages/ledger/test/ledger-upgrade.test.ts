import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@tillpoint/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedgerStore, type SqliteLedgerStore } from '../src/store/index';
import { withSaleFact } from './sale-facts';

/**
 * A till's file written by the release before sale facts (schema 3; see
 * fixtures/make-till-schema-3.ts for what it holds), opened by this one.
 */
const t0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string | undefined;
let store: SqliteLedgerStore | undefined;
afterEach(() => {
  store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function openOld(): { store: SqliteLedgerStore; path: string } {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-upgrade-'));
  const path = join(dir, 'till.sqlite');
  copyFileSync(join(import.meta.dirname, 'fixtures', 'till-schema-3.sqlite'), path);
  store = openLedgerStore({ path, tillId: 'till-old', clock: new ManualClock(t0) });
  return { store, path };
}

describe('upgrading a till file from schema 3', () => {
  it('drops the phone from the card rows, keeps the chain, and fills the merge figures', () => {
    const { store: s, path } = openOld();
    expect(s.verifyOutboxChain()).toEqual({ ok: true, entries: 6 });
    expect(s.findInvariantViolations()).toEqual([]);
    expect(s.outboxHead()).toMatchObject({ lastSeq: 6, ackedThrough: 2 });
    // The old enrolment's outbox body keeps the phone: it is under the hash chain (see README).
    expect(s.outboxAfter(0, 1)[0]?.detail).toMatchObject({ phone: '+79161234567' });
    expect(s.pendingProfiles(10)).toEqual([]);
    // Own facts after the snapshot's watermark (seq 2): R2 and its return, R4.
    expect(s.getCard('C1', t0)).toMatchObject({
      status: 'enrolled',
      // 150 at seq 2; R2 earned 20 and spent 40, half returned (−10 earned, +20 spent); R4 earned 5.
      spendable: 150 + 20 - 40 - 10 + 20 + 5,
      cardSource: 'till',
      grantedOnce: ['welcome'],
      headOffice: { own: { spendMinor: 50_000 - 25_000 + 10_000, purchases: 2 } },
    });
    s.close();
    store = undefined;
    const db = new Database(path, { readonly: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(card)').all() as { name: string }[]).map((c) => c.name);
      expect(columns).not.toContain('phone');
      expect(JSON.stringify(db.prepare('SELECT * FROM card').all())).not.toMatch(/7916/);
      expect(db.pragma('user_version', { simple: true })).toBe(5);
    } finally {
      db.close();
    }
  });

  it('returns a sale from before sale facts by money as before (its basket total), and sells with facts after', () => {
    const { store: s } = openOld();
    // R2 was 500.00, 40 points spent and 20 earned; 250.00 of it came back before the upgrade.
    expect(
      s.returnSale({
        idempotencyKey: 'ret2',
        receiptId: 'R2',
        at: t0,
        storeId: 'store-1',
        refundMinor: 25_000,
      }),
    ).toMatchObject({
      ok: true,
      value: { earnedReversed: 10, spentRestored: 20, returnedMinorTotal: 50_000 },
    });
    expect(
      s.returnSale({ idempotencyKey: 'ret3', receiptId: 'R2', at: t0, storeId: 'store-1', refundMinor: 1 }),
    ).toMatchObject({
      code: 'return_exceeds_sale',
    });
    // Its one line is "*": a return of all of R3 by that line.
    expect(
      s.returnSale({
        idempotencyKey: 'ret4',
        receiptId: 'R3',
        at: t0,
        storeId: 'store-1',
        lines: [{ lineId: '*', quantity: 0.03 }],
      }),
    ).toMatchObject({ ok: true, value: { earnedReversed: 30 } });
    const sold = s.commitSale(
      withSaleFact({
        idempotencyKey: 'R5',
        cardId: 'C2',
        receiptId: 'R5',
        at: t0,
        basketTotalMinor: 1_000,
        accruals: [],
        redeemPoints: 0,
        rulesVersion: 'v2',
      }),
    );
    expect(sold.ok).toBe(true);
    expect(s.outboxAfter(8, 1)[0]?.sale?.lines).toHaveLength(1);
    expect(s.enrolCard({ idempotencyKey: 'e2', cardId: 'C1', at: t0 })).toMatchObject({
      code: 'already_enrolled',
    });
    expect(s.findInvariantViolations()).toEqual([]);
  });
});
