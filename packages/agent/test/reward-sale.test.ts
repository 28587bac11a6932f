import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { startVirtualPrinter, type VirtualPrinter } from '@tillpoint/printer';
import { reserveAnswerSchema } from '@tillpoint/protocol';
import { escposTextLines } from '@tillpoint/receipt';
import { quoteSchema } from '@tillpoint/rules';
import { clockFrom, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../src/run/agent';
import { waitFor } from './page-support';

/**
 * The reward catalogue end to end through the agent's local API (HTTP on a real socket, the
 * real ledger file, the virtual printer on TCP): a reward claimed at the till, its points held
 * and spent, its discount spread over the fiscal lines, printed on the slip, and given back by
 * the program's return policy. Expected figures are worked out by hand from the programs'
 * public terms (cited in the fixtures):
 * - fixtures/programs/square-reward-tiers.json (Square's "15 points: 10% off entire sale"),
 * - fixtures/programs/ulta-points-back.json (Ulta's "500 points = $17.50 off", "if you return
 *   the item the points are returned").
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const card = '2000000000015';
const token = 'reward-token-0123456789abcdefghijk';

let agent: RunningAgent | undefined;
let printer: VirtualPrinter | undefined;
let dir: string | undefined;
afterEach(async () => {
  await agent?.stop();
  await printer?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  agent = undefined;
  printer = undefined;
  dir = undefined;
});

/** A till on `program` whose card holds `points` (an opening balance booked before the agent starts). */
async function startTill(program: string, points: number, at: number) {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-reward-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  copyFileSync(join(fixtures, `programs/${program}.json`), join(dir, 'program.json'));
  const ledger = openLedgerStore({ path: join(dataDir, 'till.sqlite'), tillId: 'reward-till' });
  const seededAt = at - 86_400_000;
  ledger.enrolCard({
    idempotencyKey: 'seed-enrol',
    cardId: card,
    phone: '+15550000001',
    consentAt: seededAt,
    at: seededAt,
  });
  ledger.adjust({
    idempotencyKey: 'seed-balance',
    cardId: card,
    points,
    actor: 'test',
    role: 'marketer',
    reason: 'opening balance',
    at: seededAt,
  });
  ledger.close();
  const started = await startVirtualPrinter({ port: 0 });
  printer = started.printer;
  const config = writeConfig(dir, {
    port: await freePort(),
    token,
    storeId: 'reward-store',
    tillId: 'reward-till',
    printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${started.port}\n  profile: TM-T20II\n  columns: 42`,
  });
  agent = await startAgent({ configPath: config, clock: clockFrom(at), logger: pino({ level: 'silent' }) });
  const till = agent;
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${till.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
  };
  return { call, printer: started.printer };
}

const cafeBasket = {
  currency: 'USD',
  lines: [
    { id: '1', sku: 'beans', category: 'packaged', quantity: 1, unitPriceMinor: 1200, amountMinor: 1200 },
    { id: '2', sku: 'mug', category: 'merchandise', quantity: 1, unitPriceMinor: 799, amountMinor: 799 },
    { id: '3', sku: 'latte', category: 'coffee', quantity: 1, unitPriceMinor: 350, amountMinor: 350 },
  ],
};

describe('a catalogue reward at the till', () => {
  it('Square "15 points: 10% off entire sale": quoted, reserved, committed, printed, returned', async () => {
    // 08:00 in New York on 10 March 2027; the card holds 20 points.
    const { call, printer } = await startTill('square-reward-tiers', 20, Date.parse('2027-03-10T13:00:00Z'));

    // The quote lists what the card can afford now: 10% (15 points) yes, 25% (30 points) not.
    const quoted = await call('POST', '/v1/quote', { cardCode: card, basket: cafeBasket });
    expect(quoted.status).toBe(200);
    // Read through the published schema: what a POS sees.
    const available = quoteSchema.parse(quoted.json).rewards?.available ?? [];
    expect(available.filter((r) => r.affordable).map((r) => [r.rewardId, r.valueMinor])).toEqual([
      ['ten-off-sale', 234], // 10% of $23.49, rounded down
      ['free-coffee', 350], // the latte (10 points)
    ]);
    expect(available.find((r) => r.rewardId === 'quarter-off-sale')).toMatchObject({
      affordable: false,
      whyNot: { code: 'insufficient_points' },
    });

    // A reward the card cannot afford is refused with the quote's reason.
    const tooDear = await call('POST', '/v1/reservations', {
      idempotencyKey: 'R-7001-hold-x',
      cardCode: card,
      basket: cafeBasket,
      rewards: [{ id: 'quarter-off-sale' }],
    });
    expect(tooDear).toMatchObject({
      status: 409,
      json: {
        code: 'reward_unavailable',
        details: { rewardId: 'quarter-off-sale', reason: 'insufficient_points' },
      },
    });

    // Reserve the 10%: its 15 points are held; the discount per line is $1.19, $0.80, $0.35.
    const lineDiscounts = [
      { lineId: '1', spendDiscountMinor: 0, rewardDiscountMinor: 119, discountMinor: 119 },
      { lineId: '2', spendDiscountMinor: 0, rewardDiscountMinor: 80, discountMinor: 80 },
      { lineId: '3', spendDiscountMinor: 0, rewardDiscountMinor: 35, discountMinor: 35 },
    ];
    const held = await call('POST', '/v1/reservations', {
      idempotencyKey: 'R-7001-hold',
      cardCode: card,
      basket: cafeBasket,
      rewards: [{ id: 'ten-off-sale' }],
    });
    expect(held).toMatchObject({ status: 200, json: { points: 15, lineDiscounts } });
    expect((await call('GET', `/v1/cards/${card}`)).json).toMatchObject({
      spendablePoints: 5,
      heldPoints: 15,
    });

    const sold = await call('POST', '/v1/sales', {
      idempotencyKey: 'till-1:R-7001',
      receiptId: 'R-7001',
      cardCode: card,
      basket: cafeBasket,
      holdId: reserveAnswerSchema.parse(held.json).holdId,
      rewards: [{ id: 'ten-off-sale' }],
    });
    expect(sold.status).toBe(200);
    // 15 points spent, the latte earns its point (1 per coffee): 20 − 15 + 1 = 6.
    expect(sold.json).toMatchObject({
      spentPoints: 15,
      earnedPoints: 1,
      spentDiscountMinor: 0,
      rewardDiscountMinor: 234,
      lineDiscounts,
      rewards: [
        {
          rewardId: 'ten-off-sale',
          name: '10% off entire sale',
          times: 1,
          costPoints: 15,
          discountMinor: 234,
          lines: [
            { lineId: '1', discountMinor: 119 },
            { lineId: '2', discountMinor: 80 },
            { lineId: '3', discountMinor: 35 },
          ],
        },
      ],
      balance: { spendablePoints: 6 },
    });

    // The slip at the printer, read back from its bytes; the reward's line is written out here.
    const job = await waitFor(() => printer.jobs()[0], 'the slip at the printer');
    const lines = escposTextLines(job, { profile: 'TM-T20II', columns: 42 });
    // 08:00 in New York; the latte's point; the reward under the (empty) spend with its price and
    // its $2.34; 20 − 15 + 1 = 6 left.
    expect(lines).toEqual([
      '                 LOYALTY',
      '                 My Shop',
      'Card                             **** 0015',
      'Points earned                           +1',
      'for: 1 point for every item.',
      'Reward: 10% off entire sale   -15 (2.34 $)',
      'Balance                                  6',
      '------------------------------------------',
      '     Receipt R-7001 2027-03-10 08:00',
    ]);
    // The same words are in the raw bytes as plain ASCII, whatever reads them.
    expect(Buffer.from(job).includes('Reward: 10% off entire sale   -15 (2.34 $)')).toBe(true);

    // The default policy gives the points back once every discounted line is back: the mug
    // alone gives none ($7.99 − $0.80 back in money), beans and latte give the 15 and take the
    // latte's point.
    const mug = await call('POST', '/v1/returns', {
      idempotencyKey: 'R-7001-back-1',
      originalReceiptId: 'R-7001',
      lines: [{ lineId: '2', quantity: 1 }],
    });
    expect(mug).toMatchObject({
      status: 200,
      json: { spentRestoredPoints: 0, earnedReversedPoints: 0, rewards: [], balance: { spendablePoints: 6 } },
    });
    const rest = await call('POST', '/v1/returns', {
      idempotencyKey: 'R-7001-back-2',
      originalReceiptId: 'R-7001',
      lines: [
        { lineId: '1', quantity: 1 },
        { lineId: '3', quantity: 1 },
      ],
    });
    expect(rest).toMatchObject({
      status: 200,
      json: {
        spentRestoredPoints: 15,
        earnedReversedPoints: 1,
        rewards: [{ rewardId: 'ten-off-sale', points: 15, usesBack: 1 }],
        balance: { spendablePoints: 20 },
      },
    });
  }, 30_000);

  it('Ulta "500 points = $17.50 off", points back in proportion to the goods returned', async () => {
    const { call } = await startTill('ulta-points-back', 800, Date.parse('2027-03-10T20:00:00Z'));
    const basket = {
      currency: 'USD',
      lines: [
        {
          id: '1',
          sku: 'lipstick',
          category: 'makeup',
          quantity: 2,
          unitPriceMinor: 2500,
          amountMinor: 5000,
        },
        {
          id: '2',
          sku: 'cleanser',
          category: 'skincare',
          quantity: 1,
          unitPriceMinor: 2000,
          amountMinor: 2000,
        },
      ],
    };
    const sold = await call('POST', '/v1/sales', {
      idempotencyKey: 'till-1:U-1',
      receiptId: 'U-1',
      cardCode: card,
      basket,
      rewards: [{ id: 'cash-17-50' }],
    });
    // $17.50 spread $12.50 / $5.00; 1 point per dollar on the whole $70 (the program does not
    // exclude the part paid with points): 50 on the lipsticks, 20 on the cleanser.
    expect(sold).toMatchObject({
      status: 200,
      json: {
        spentPoints: 500,
        earnedPoints: 70,
        lineDiscounts: [
          { lineId: '1', rewardDiscountMinor: 1250, discountMinor: 1250 },
          { lineId: '2', rewardDiscountMinor: 500, discountMinor: 500 },
        ],
        balance: { spendablePoints: 800 - 500 + 70 },
      },
    });
    // One lipstick back: $6.25 of the $17.50 discount, 500 × 6.25 / 17.50 = 178.57, so 178;
    // its 25 earned points go.
    const one = await call('POST', '/v1/returns', {
      idempotencyKey: 'U-1-back-1',
      originalReceiptId: 'U-1',
      lines: [{ lineId: '1', quantity: 1 }],
    });
    expect(one).toMatchObject({
      status: 200,
      json: {
        spentRestoredPoints: 178,
        earnedReversedPoints: 25,
        rewards: [{ rewardId: 'cash-17-50', points: 178, usesBack: 0 }],
        balance: { spendablePoints: 370 + 178 - 25 },
      },
    });
    // The rest by money ($52.50 − $18.75 left): the other 322 points and the use.
    const rest = await call('POST', '/v1/returns', {
      idempotencyKey: 'U-1-back-2',
      originalReceiptId: 'U-1',
      returnedAmountMinor: 5250 - 1875,
    });
    expect(rest).toMatchObject({
      status: 200,
      json: {
        spentRestoredPoints: 322,
        rewards: [{ rewardId: 'cash-17-50', points: 322, usesBack: 1 }],
        balance: { spendablePoints: 800 },
      },
    });
  }, 30_000);

  it('"Only one reward can be redeemed per month": the second is refused until the first is returned', async () => {
    // fixtures/programs/monthly-reward-limits.json (Prizeout's monthly tiers); 2 March 2027 in Moscow.
    const { call } = await startTill('monthly-reward-limits', 2000, Date.parse('2027-03-02T10:00:00Z'));
    const basket = {
      currency: 'RUB',
      lines: [{ id: '1', sku: 'groceries', quantity: 1, unitPriceMinor: 100_000, amountMinor: 100_000 }],
    };
    const monthly = (q: { json: Record<string, unknown> }) =>
      quoteSchema.parse(q.json).rewards?.available.find((r) => r.rewardId === 'monthly-500');
    expect(monthly(await call('POST', '/v1/quote', { cardCode: card, basket }))).toMatchObject({
      affordable: true,
      valueMinor: 50_000,
    });
    const first = await call('POST', '/v1/sales', {
      idempotencyKey: 'till-1:M-1',
      receiptId: 'M-1',
      cardCode: card,
      basket,
      rewards: [{ id: 'monthly-500' }],
    });
    // 500 points for 500.00 RUB off; 2 % of the 1 000.00 RUB earns 20.
    expect(first).toMatchObject({
      status: 200,
      json: { spentPoints: 500, rewardDiscountMinor: 50_000, balance: { spendablePoints: 2000 - 500 + 20 } },
    });
    expect(monthly(await call('POST', '/v1/quote', { cardCode: card, basket }))).toMatchObject({
      affordable: false,
      whyNot: { code: 'per_period_limit' },
    });
    const again = await call('POST', '/v1/sales', {
      idempotencyKey: 'till-1:M-2',
      receiptId: 'M-2',
      cardCode: card,
      basket,
      rewards: [{ id: 'monthly-500' }],
    });
    expect(again).toMatchObject({
      status: 409,
      json: { code: 'reward_unavailable', details: { rewardId: 'monthly-500', reason: 'per_period_limit' } },
    });
    // The whole first sale back: its points and its use come back, and the reward is on offer again.
    const back = await call('POST', '/v1/returns', {
      idempotencyKey: 'M-1-back',
      originalReceiptId: 'M-1',
      lines: [{ lineId: '1', quantity: 1 }],
    });
    expect(back).toMatchObject({
      status: 200,
      json: {
        rewards: [{ rewardId: 'monthly-500', points: 500, usesBack: 1 }],
        balance: { spendablePoints: 2000 },
      },
    });
    expect(monthly(await call('POST', '/v1/quote', { cardCode: card, basket }))).toMatchObject({
      affordable: true,
    });
  }, 30_000);
});
