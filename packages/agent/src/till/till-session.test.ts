import { ManualClock } from '@tillpoint/core';
import { type LedgerStore, LedgerStoreError, MemoryLedgerStore } from '@tillpoint/ledger';
import { commitRequestSchema, quoteRequestSchema, reserveRequestSchema } from '@tillpoint/protocol';
import { parseProgram } from '@tillpoint/rules';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../config/agent-config';
import { AgentEvents } from '../run/events';
import type { OfflineSpendGate } from '../sync/offline-gate';
import { TillSession, type TillSessionDeps } from './till-session';

const card = '2000000000015';
const config = agentConfigSchema.parse({
  storeId: 's1',
  tillId: 't1',
  program: 'program.json',
  api: { token: 'unit-token-0123456789abcdefghij' },
  cardRanges: [{ name: 'cards', prefix: '2000', length: 13, check: 'ean13' }],
});
const parsed = parseProgram(
  {
    id: 'earn5-spend20',
    name: '5 % back, pay up to 20 %',
    currency: 'RUB',
    pointValueMinor: 100,
    timeZone: '+03:00',
    earn: [{ type: 'cashback', id: 'base-5', percent: 5 }],
    redemption: { maxPercentOfBasket: 20 },
  },
  'test',
);
if (!parsed.ok) throw new Error(parsed.message);
const program = parsed.value;

const basket = (amountMinor: number) => ({
  currency: 'RUB',
  lines: [{ id: '1', sku: 'coat', quantity: 1, unitPriceMinor: amountMinor, amountMinor }],
});
const sale = (key: string, receiptId: string, amountMinor: number, extra: Record<string, unknown> = {}) =>
  commitRequestSchema.parse({
    idempotencyKey: key,
    receiptId,
    cardCode: card,
    basket: basket(amountMinor),
    ...extra,
  });

function till(
  ledger: LedgerStore,
  clock: ManualClock,
  offlineGate?: OfflineSpendGate,
  headOffice?: TillSessionDeps['headOffice'],
) {
  return new TillSession({
    config,
    program,
    events: new AgentEvents(),
    clock,
    logger: pino({ level: 'silent' }),
    ledger,
    ...(offlineGate === undefined ? {} : { offlineGate }),
    ...(headOffice === undefined ? {} : { headOffice }),
  });
}

function setUp() {
  const clock = new ManualClock(Date.parse('2026-12-06T12:00:00Z'));
  const ledger = new MemoryLedgerStore({ tillId: 't1', clock });
  return { clock, ledger, session: till(ledger, clock) };
}

function ok<T>(result: { ok: true; value: T } | { ok: false; code: string; message: string }): T {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

/** The till's loyalty logic on the in-memory ledger: what the local API and the page call. */
describe('TillSession', () => {
  it('books a sale: 5 % of 2,000.00 RUB earns 100 points, and the answer says so', () => {
    const { session, ledger } = setUp();
    const answer = ok(session.commit(sale('sale-key-0001', 'R-1', 200_000)));
    expect(answer).toMatchObject({ receiptId: 'R-1', earnedPoints: 100, spentPoints: 0 });
    expect(answer.balance).toEqual({ spendablePoints: 100, pendingPoints: 0 });
    expect(answer.slipText.join('\n')).toMatch(/\+100/);
    expect(ledger.outboxHead().lastSeq).toBe(1);
  });

  it('answers a retry with the first answer, even from a till that lost everything but the ledger, minutes later', () => {
    const { session, ledger, clock } = setUp();
    const first = ok(session.commit(sale('sale-key-0001', 'R-1', 200_000)));
    clock.advance(5 * 60_000);
    // A new session on the same ledger: the agent's own memory and files are gone (a power cut).
    const again = till(ledger, clock).commit(sale('sale-key-0001', 'R-1', 200_000));
    expect(ok(again)).toEqual(first);
    expect(ledger.outboxHead().lastSeq).toBe(1);
  });

  it('refuses the same key with another body, and writes nothing', async () => {
    const { session, ledger } = setUp();
    ok(session.commit(sale('sale-key-0001', 'R-1', 200_000)));
    const other = session.commit(sale('sale-key-0001', 'R-1', 300_000));
    expect(other).toMatchObject({ ok: false, code: 'idempotency_conflict' });
    expect(ledger.outboxHead().lastSeq).toBe(1);
    const sameKeyOtherOperation = await session.returnSale({
      idempotencyKey: 'sale-key-0001',
      originalReceiptId: 'R-1',
      returnedAmountMinor: 100,
    });
    expect(sameKeyOtherOperation).toMatchObject({ ok: false, code: 'idempotency_conflict' });
  });

  it('posts a reservation made before the agent lost its own state: the ledger holds the hold', () => {
    const { session, ledger, clock } = setUp();
    ok(session.commit(sale('sale-key-0001', 'R-1', 200_000)));
    const held = ok(
      session.reserve(
        reserveRequestSchema.parse({
          idempotencyKey: 'hold-key-0001',
          cardCode: card,
          basket: basket(50_000),
          spendPoints: 40,
        }),
      ),
    );
    expect(held.points).toBe(40);
    const fresh = till(ledger, clock);
    const posted = ok(fresh.commit(sale('sale-key-0002', 'R-2', 50_000, { holdId: held.holdId })));
    // 20 % of 500.00 RUB = 100.00 RUB = 100 points may be spent; 40 were held and are spent.
    expect(posted.spentPoints).toBe(40);
    expect(posted.spentDiscountMinor).toBe(4_000);
    // 100 − 40 spent + 5 % of 500.00 RUB (this program earns on the part paid with points too).
    expect(posted.balance.spendablePoints).toBe(100 - 40 + 25);
    const unknown = fresh.commit(sale('sale-key-0003', 'R-3', 50_000, { holdId: 'no-such-hold' }));
    expect(unknown).toMatchObject({ ok: false, code: 'hold_unknown' });
  });

  it('reprints a slip from what the ledger kept, in a session that never made it', () => {
    const { session, ledger, clock } = setUp();
    const answer = ok(session.commit(sale('sale-key-0001', 'R-1', 200_000)));
    const reprint = ok(till(ledger, clock).slip('R-1'));
    expect(reprint.text).toEqual(answer.slipText);
    expect(till(ledger, clock).slip('R-404')).toMatchObject({ ok: false, code: 'receipt_unknown' });
  });

  it('offers in the quote only what the offline limits let the till accept, and says why', () => {
    const { ledger, clock } = setUp();
    ok(till(ledger, clock).commit(sale('sale-key-0001', 'R-1', 2_000_000)));
    // 1,000 points on the card; head office is away and this card may spend 30 more offline.
    const gate: OfflineSpendGate = {
      offlineRoom: () => 30,
      checkSpend: (_card, amount) =>
        amount <= 30
          ? { ok: true }
          : { ok: false, code: 'offline_card_cap', message: 'over the offline cap' },
      blocked: () => false,
    };
    const session = till(ledger, clock, gate);
    const q = ok(session.quote(quoteRequestSchema.parse({ cardCode: card, basket: basket(100_000) })));
    expect(q.redemption.maxPoints).toBe(30);
    expect(q.redemption.limitedBy.map((l) => l.code)).toEqual(['offline_limit']);
    const over = session.commit(sale('sale-key-0002', 'R-2', 100_000, { spendPoints: 31 }));
    expect(over).toMatchObject({ ok: false, code: 'offline_limit', details: { reason: 'offline_card_cap' } });
    const within = ok(session.commit(sale('sale-key-0003', 'R-3', 100_000, { spendPoints: 30 })));
    expect(within.spentPoints).toBe(30);
  });

  it('names the gift and the coupon a purchase won in the answer and on the slip', () => {
    const prized = parseProgram(
      {
        id: 'prizes',
        name: 'Prizes',
        currency: 'RUB',
        pointValueMinor: 100,
        timeZone: 'Europe/Moscow',
        earn: [
          { type: 'cashback', id: 'base-5', percent: 5 },
          {
            type: 'threshold',
            id: 'tote-over-5000',
            minAmountMinor: 500_000,
            reward: { gift: { sku: 'TOTE-1', text: 'A free tote bag' } },
          },
          {
            type: 'nth-purchase',
            id: 'every-2nd',
            every: 2,
            reward: { coupon: { code: '4600000000015', symbology: 'ean13', text: 'Water park day ticket' } },
          },
        ],
      },
      'test',
    );
    if (!prized.ok) throw new Error(prized.message);
    const clock = new ManualClock(Date.parse('2026-12-06T13:39:00Z'));
    const ledger = new MemoryLedgerStore({ tillId: 't1', clock });
    const session = new TillSession({
      config,
      program: prized.value,
      events: new AgentEvents(),
      clock,
      logger: pino({ level: 'silent' }),
      ledger,
    });
    const first = ok(session.commit(sale('sale-key-0001', 'R-1', 100_000)));
    expect(first.won).toEqual([]);
    // The second purchase, over 5,000 RUB: the tote bag and the every-2nd coupon.
    const second = ok(session.commit(sale('sale-key-0002', 'R-2', 600_000)));
    expect(second.won).toEqual([
      { ruleId: 'tote-over-5000', kind: 'gift', text: 'A free tote bag', sku: 'TOTE-1' },
      {
        ruleId: 'every-2nd',
        kind: 'coupon',
        text: 'Water park day ticket',
        coupon: { code: '4600000000015', symbology: 'ean13' },
      },
    ]);
    const slip = second.slipText.map((l) => l.trim());
    expect(slip).toEqual(
      expect.arrayContaining([
        'This purchase won',
        'A free tote bag',
        'Water park day ticket',
        'Coupon: 4600000000015',
      ]),
    );
    // 16:39 in Moscow, not the UTC 13:39 the clock reads.
    expect(slip.join('\n')).toContain('Receipt R-2 2026-12-06 16:39');
  });

  it('refuses a basket in another currency before anything is written', () => {
    const { session, ledger } = setUp();
    const refused = session.commit(
      commitRequestSchema.parse({
        idempotencyKey: 'sale-key-0001',
        receiptId: 'R-1',
        cardCode: card,
        basket: { ...basket(100), currency: 'USD' },
      }),
    );
    expect(refused).toMatchObject({ ok: false, code: 'currency_mismatch' });
    expect(ledger.outboxHead().lastSeq).toBe(0);
  });

  it('switches loyalty off when the ledger fails, and the sale goes on without it', () => {
    const { ledger, clock } = setUp();
    const broken = new Proxy(ledger, {
      get(target, name, receiver) {
        if (name === 'commitSale')
          return () => {
            throw new LedgerStoreError('disk_full', 'no space left on device');
          };
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const session = till(broken, clock);
    expect(session.commit(sale('sale-key-0001', 'R-1', 100))).toMatchObject({
      ok: false,
      code: 'loyalty_unavailable',
    });
    expect(session.loyaltyAvailable).toBe(false);
    expect(session.quote(quoteRequestSchema.parse({ cardCode: card, basket: basket(100) }))).toMatchObject({
      ok: false,
      code: 'loyalty_unavailable',
    });
  });

  describe('a return of a sale made at another till', () => {
    /** Till t2 sells 2,000.00 RUB (100 points); head office's answer for it is built from t2's own entry. */
    function otherTillSale() {
      const clock = new ManualClock(Date.parse('2026-12-06T12:00:00Z'));
      const t2 = new MemoryLedgerStore({ tillId: 't2', clock });
      ok(till(t2, clock).commit(sale('t2-sale-0001', 'R-77', 200_000)));
      const entry = t2.outboxAfter(0, 10).find((e) => e.kind === 'sale');
      if (entry?.sale === undefined) throw new Error('t2 wrote no sale fact');
      const answer = {
        txnId: entry.txnId,
        tillId: 't2',
        cardId: entry.cardId,
        occurredAt: entry.occurredAt,
        rulesVersion: entry.rulesVersion,
        sale: entry.sale as unknown as Record<string, unknown>,
        returned: [],
        refundedMinor: 0,
      };
      return { clock, answer };
    }
    const back = (key: string, extra: Record<string, unknown> = {}) => ({
      idempotencyKey: key,
      originalReceiptId: 'R-77',
      lines: [{ lineId: '1', quantity: 1 }],
      ...extra,
    });

    it('found at head office: takes back the 100 points the sale earned there', async () => {
      const { clock, answer } = otherTillSale();
      const ledger = new MemoryLedgerStore({ tillId: 't1', clock });
      const asked: unknown[] = [];
      const session = till(ledger, clock, undefined, {
        findSale: async (receiptId, cardId) => {
          asked.push([receiptId, cardId]);
          return { kind: 'found', sale: answer };
        },
      });
      const returned = ok(await session.returnSale(back('ret-0001', { cardCode: card })));
      expect(asked).toEqual([['R-77', card]]);
      expect(returned).toMatchObject({
        earnedReversedPoints: 100,
        spentRestoredPoints: 0,
        pointsSettled: true,
      });
    });

    it('head office out of reach: booked on the scanned card without points; without a card, refused', async () => {
      const { clock } = otherTillSale();
      const ledger = new MemoryLedgerStore({ tillId: 't1', clock });
      const session = till(ledger, clock, undefined, {
        findSale: async () => ({ kind: 'unreachable', message: 'head office did not answer within 3000 ms' }),
      });
      const refused = await session.returnSale(back('ret-0002'));
      expect(refused).toMatchObject({ ok: false, code: 'receipt_unknown' });
      if (!refused.ok) expect(refused.message).toMatch(/scan the buyer.s card/);
      expect(ledger.outboxHead().lastSeq).toBe(0);
      const booked = ok(await session.returnSale(back('ret-0003', { cardCode: card })));
      expect(booked).toMatchObject({ earnedReversedPoints: 0, spentRestoredPoints: 0, pointsSettled: false });
      expect(ledger.outboxHead().lastSeq).toBe(1);
    });

    it('a receipt nobody in the chain made is refused, and nothing is written', async () => {
      const clock = new ManualClock(Date.parse('2026-12-06T12:00:00Z'));
      const ledger = new MemoryLedgerStore({ tillId: 't1', clock });
      const session = till(ledger, clock, undefined, { findSale: async () => ({ kind: 'unknown' }) });
      const refused = await session.returnSale(back('ret-0004', { cardCode: card }));
      expect(refused).toMatchObject({ ok: false, code: 'receipt_unknown' });
      expect(ledger.outboxHead().lastSeq).toBe(0);
    });
  });

  it('cancels a sale within five minutes; ten minutes later it is too late, and an unknown receipt is unknown', () => {
    const { session, ledger, clock } = setUp();
    ok(session.commit(sale('sale-key-0001', 'R-1', 200_000)));
    ok(session.commit(sale('sale-key-0002', 'R-2', 100_000)));
    clock.advance(2 * 60_000);
    const undone = ok(session.cancelSale('R-2', { idempotencyKey: 'cancel-R-2' }));
    expect(undone).toMatchObject({ earnedReversedPoints: 50, spentRestoredPoints: 0 });
    clock.advance(10 * 60_000);
    const late = session.cancelSale('R-1', { idempotencyKey: 'cancel-R-1' });
    expect(late).toMatchObject({ ok: false, code: 'cancel_refused', details: { reason: 'too_late' } });
    expect(session.cancelSale('R-9', { idempotencyKey: 'cancel-R-9' })).toMatchObject({
      ok: false,
      code: 'receipt_unknown',
    });
    // The first cancel's retry still answers as it did.
    expect(ok(session.cancelSale('R-2', { idempotencyKey: 'cancel-R-2' }))).toEqual(undone);
    expect(ledger.recentSales(10).map((s) => [s.receiptId, s.refundedMinor])).toEqual([
      ['R-2', 100_000],
      ['R-1', 0],
    ]);
  });
});
