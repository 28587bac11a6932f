import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosClient } from '@tillpoint/pos-client';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The cashier's shift through the local API of a real agent process: the latest sales with
 * what each earned and spent, today's totals, and a sale cancelled within the window (and
 * refused after it, or after a return). The program earns 5 % and lets 20 % be paid with
 * points (1 point = 1.00 RUB): every figure below is worked out by hand.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'shift-token-0123456789abcdefghijk';
const card = '2000000000015';
const basket = (rub: number) => ({
  currency: 'RUB',
  lines: [{ id: '1', sku: 'tea', quantity: 1, unitPriceMinor: rub * 100, amountMinor: rub * 100 }],
});
const windowSeconds = 4;

describe('the shift at a till: recent sales, totals, cancel', () => {
  let dir: string;
  let agent: AgentProcess;
  let pos: PosClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-shift-'));
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const port = await freePort();
    const config = writeConfig(dir, { port, token, storeId: 's1', tillId: 't1' });
    const text = readFileSync(config, 'utf8').replace(
      /^api:\n/m,
      `api:\n  cancelWindowSeconds: ${windowSeconds}\n`,
    );
    writeFileSync(config, text, { mode: 0o600 });
    agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
    await agent.start();
    pos = new PosClient({ baseUrl: agent.url, token, timeoutMs: 5_000 });
  }, 60_000);

  afterAll(async () => {
    pos?.close();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = <T>(a: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!a.ok) throw new Error(`${a.error.code}: ${a.error.message}`);
    return a.value;
  };

  it('lists the sales newest first, sums the day, cancels within the window only', async () => {
    // 1,000 RUB earns 50. R-2: 100 RUB earns 5 (this program earns on the whole basket) and
    // spends 20 points (20 %), so it took 80 RUB.
    ok(
      await pos.commit({
        idempotencyKey: 'shift-R-1',
        receiptId: 'R-1',
        cardCode: card,
        basket: basket(1_000),
      }),
    );
    ok(
      await pos.commit({
        idempotencyKey: 'shift-R-2',
        receiptId: 'R-2',
        cardCode: card,
        basket: basket(100),
        spendPoints: 20,
      }),
    );
    const recent = ok(await pos.recentSales()).sales;
    expect(
      recent.map((s) => [s.receiptId, s.earnedPoints, s.spentPoints, s.moneyMinor, s.refundedMinor]),
    ).toEqual([
      ['R-2', 5, 20, 8_000, 0],
      ['R-1', 50, 0, 100_000, 0],
    ]);
    expect(ok(await pos.shift())).toMatchObject({
      sales: 2,
      basketTotalMinor: 110_000,
      earnedPoints: 55,
      spentPoints: 20,
      returnedSales: 0,
    });

    // Cancelled at once: its 5 points taken back and its 20 given back: 50 − 20 + 5 = 35 → 50.
    const before = ok(await pos.card(card)).spendablePoints;
    expect(before).toBe(35);
    const undone = ok(await pos.cancelSale('R-2', { idempotencyKey: 'shift-cancel-R-2' }));
    expect(undone).toMatchObject({ earnedReversedPoints: 5, spentRestoredPoints: 20, pointsSettled: true });
    expect(undone.balance.spendablePoints).toBe(50);
    // A retry answers as the first; a second cancel under another key is refused (returned).
    expect(ok(await pos.cancelSale('R-2', { idempotencyKey: 'shift-cancel-R-2' }))).toEqual(undone);
    const again = await pos.cancelSale('R-2', { idempotencyKey: 'shift-cancel-R-2-b' });
    expect(again.ok ? 'cancelled twice' : [again.error.code, again.error.details]).toEqual([
      'cancel_refused',
      { reason: 'returned' },
    ]);
    expect(ok(await pos.shift())).toMatchObject({ returnedSales: 1, refundedMinor: 8_000 });

    // Past the window: refused, a return is the way.
    await new Promise((r) => setTimeout(r, (windowSeconds + 1) * 1000));
    const late = await pos.cancelSale('R-1', { idempotencyKey: 'shift-cancel-R-1' });
    expect(late.ok ? 'cancelled late' : [late.error.code, late.error.details]).toEqual([
      'cancel_refused',
      { reason: 'too_late' },
    ]);
    const unknown = await pos.cancelSale('R-404', { idempotencyKey: 'shift-cancel-R-404' });
    expect(unknown.ok ? 'cancelled' : unknown.error.code).toBe('receipt_unknown');
    expect(ok(await pos.card(card)).spendablePoints).toBe(50);
  }, 60_000);
});
