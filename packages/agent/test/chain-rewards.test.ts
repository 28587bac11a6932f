import { quoteSchema } from '@tillpoint/rules';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { describe, expect, it } from 'vitest';
import { chainSuite, eventually, ok, roomyStoreLimits } from './chain-kit';
import { rubBasket } from './identify-kit';

/**
 * The reward catalogue across the chain (issue 18): head office and two stores' tills, each its
 * own process, on a SQLite and on a PostgreSQL head office. A reward limited to one use a month
 * (the per-period limit of fixtures/programs/monthly-reward-limits.json: 500 RUB off for 500
 * points) taken at store 1 is refused at store 2 once head office has summed the use; the
 * reward sale returned at store 2 gives the points and the use back at every till and at head
 * office; two tills offline both let the card take it, head office books both and flags the card.
 */
const token = 'reward-chain-token-0123456789abcdef';
const ean13 = (body: string): string => `${body}${gs1CheckDigit(body)}`;
const card = ean13('200000000095');
const twice = ean13('200000000101');

const program = {
  id: 'chain-rewards',
  name: 'Rewards across the chain',
  currency: 'RUB',
  pointValueMinor: 100,
  timeZone: '+03:00',
  earn: [{ type: 'cashback', id: 'base-5', percent: 5 }],
  // "No accrual on the part of the purchase paid with points" (MECHANICS.md): a reward's discount too.
  accrual: { excludePaidWithPoints: true },
  rewards: {
    catalogue: [
      {
        id: 'monthly-500',
        name: '500 RUB off, once a month',
        costPoints: 500,
        benefit: { type: 'amount-off', amountMinor: 50_000 },
        limits: { perPeriod: { count: 1, period: 'month' } },
      },
      {
        id: 'partner-voucher',
        name: 'Partner voucher',
        costPoints: 100,
        benefit: { type: 'coupon', coupon: { text: '150 RUB at the partner café' }, valueMinor: 15_000 },
      },
    ],
  },
};

const basket = (rub: number) => rubBasket(rub, 'coat');

const tills = [
  { tillId: 't1', storeId: 's1' },
  { tillId: 't3', storeId: 's2' },
] as const;
type TillId = (typeof tills)[number]['tillId'];

describe.each([{ backend: 'SQLite' }, { backend: 'PostgreSQL' }])(
  'the reward catalogue across the chain, $backend head office',
  ({ backend }) => {
    const suite = chainSuite({
      backend,
      name: 'reward-chain',
      token,
      program,
      tills,
      prepare: async (store) => {
        await roomyStoreLimits(store, tills);
        // Head office checks the limits of the program in force (the tills run the same file).
        await store.publishRuleSet({
          version: 'chain-rewards-1',
          effectiveFrom: 1_000,
          ruleSetJson: JSON.stringify(program),
          signature: 'x'.repeat(88),
        });
      },
    });
    const { pos, openHub, key } = suite;

    /** Waits until both tills show the card with this spendable figure, then checks head office's. */
    const everywhere = async (spendable: number, code: string) => {
      for (const t of tills) {
        const info = await eventually(
          () => pos(t.tillId).card(code),
          (a) => a.ok && a.value.spendablePoints === spendable,
        );
        expect({ till: t.tillId, spendable: info.ok && info.value.spendablePoints }).toEqual({
          till: t.tillId,
          spendable,
        });
      }
      const office = await openHub();
      try {
        expect((await office.getCard(code, Date.now()))?.available).toBe(spendable);
      } finally {
        await office.close();
      }
    };
    const monthlyAt = async (t: TillId, code: string) => {
      const q = ok(
        await pos(t).quote({ cardCode: code, basket: basket(3_000), rewards: [{ id: 'monthly-500' }] }),
      );
      return quoteSchema.parse(q).rewards?.available.find((r) => r.rewardId === 'monthly-500');
    };
    const sellWithReward = (t: TillId, code: string, receiptId: string) =>
      pos(t).commit({
        idempotencyKey: key('reward'),
        receiptId,
        cardCode: code,
        basket: basket(3_000),
        rewards: [{ id: 'monthly-500' }],
      });

    it('holds "once a month" across stores online, and a return at the other store gives the use and the points back', async () => {
      ok(await pos('t1').enrol(card, { idempotencyKey: key('enrol'), phone: '+79161234500', consent: true }));
      // 5 % of 20 000 RUB: 1 000 points.
      expect(
        ok(
          await pos('t1').commit({
            idempotencyKey: key('sale'),
            receiptId: 'R-1',
            cardCode: card,
            basket: basket(20_000),
          }),
        ).earnedPoints,
      ).toBe(1_000);
      await everywhere(1_000, card);
      // At store 1: 500 RUB off a 3 000 RUB coat for 500 points; 5 % of the 2 500 paid in money = 125.
      const sale = ok(await sellWithReward('t1', card, 'R-2'));
      expect([sale.earnedPoints, sale.spentPoints]).toEqual([125, 500]);
      await everywhere(1_000 - 500 + 125, card);
      // At store 2 the card has 625 points, but head office counted this month's use: refused.
      const atT3 = await eventually(
        () => monthlyAt('t3', card),
        (r) => r?.affordable === false,
      );
      expect(atT3).toMatchObject({ affordable: false, whyNot: { code: 'per_period_limit' } });
      const refused = await sellWithReward('t3', card, 'R-3');
      expect(
        refused.ok ? 'sold' : [refused.error.code, (refused.error as { details?: unknown }).details],
      ).toEqual([
        'reward_unavailable',
        expect.objectContaining({ rewardId: 'monthly-500', reason: 'per_period_limit' }),
      ]);
      // The coat of R-2 comes back at store 2 (head office's sale fact): the 125 earned are taken
      // back, the reward's 500 points given back (when-all-returned) with its use.
      const back = ok(
        await pos('t3').returnSale({
          idempotencyKey: key('return'),
          originalReceiptId: 'R-2',
          cardCode: card,
          lines: [{ lineId: '1', quantity: 1 }],
        }),
      );
      expect(back).toMatchObject({
        earnedReversedPoints: 125,
        spentRestoredPoints: 500,
        pointsSettled: true,
      });
      await everywhere(1_000, card);
      const office = await openHub();
      try {
        // Head office holds the use and its return: none left, sent as an empty list.
        expect((await office.getCardState(card, Date.now()))?.rewardUses).toEqual([]);
      } finally {
        await office.close();
      }
      // The month's use came back: both stores offer the reward again.
      for (const t of tills) {
        const again = await eventually(
          () => monthlyAt(t.tillId, card),
          (r) => r?.affordable === true,
        );
        expect({ till: t.tillId, affordable: again?.affordable }).toEqual({
          till: t.tillId,
          affordable: true,
        });
      }
    }, 240_000);

    it('issues a coupon code per claim at the till, printed on the slip, that head office can check', async () => {
      const sale = ok(
        await pos('t3').commit({
          idempotencyKey: key('coupon'),
          receiptId: 'V-1',
          cardCode: card,
          basket: basket(1_000),
          rewards: [{ id: 'partner-voucher' }],
        }),
      );
      // 100 points for the voucher; 5 % of the 1 000 RUB paid in money (a coupon takes nothing off).
      expect([sale.spentPoints, sale.earnedPoints]).toEqual([100, 50]);
      const code = sale.rewards[0]?.coupon?.code ?? '';
      expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
      expect(sale.slipText.join('\n')).toContain(code);
      await everywhere(1_000 - 100 + 50, card);
      const office = await openHub();
      try {
        expect(await office.checkCoupon(code)).toMatchObject({
          kind: 'issued',
          coupon: { cardId: card, code, rewardId: 'partner-voucher', times: 1 },
        });
        expect(await office.checkCoupon('0000-0000-0000-0000')).toEqual({ kind: 'unknown' });
      } finally {
        await office.close();
      }
    }, 120_000);

    it('lets two tills offline both take it; head office books both uses and flags the card', async () => {
      ok(
        await pos('t1').enrol(twice, { idempotencyKey: key('enrol'), phone: '+79161234501', consent: true }),
      );
      ok(
        await pos('t1').commit({
          idempotencyKey: key('sale'),
          receiptId: 'W-0',
          cardCode: twice,
          basket: basket(20_000),
        }),
      );
      await everywhere(1_000, twice);
      await suite.hub.kill('SIGKILL');
      for (const [t, receiptId] of [
        ['t1', 'W-1'],
        ['t3', 'W-2'],
      ] as const) {
        const sale = ok(await sellWithReward(t, twice, receiptId));
        expect([sale.earnedPoints, sale.spentPoints]).toEqual([125, 500]);
      }
      await suite.hub.start();
      // 1 000 − 2 × 500 + 2 × 125: both sales stand.
      await everywhere(250, twice);
      const office = await openHub();
      try {
        const held = await office.getCard(twice, Date.now());
        expect(held?.flagReasons).toContain('reward_limit_exceeded');
        expect((await office.getCardState(twice, Date.now()))?.rewardUses?.[0]).toMatchObject({
          rewardId: 'monthly-500',
          total: 2,
        });
      } finally {
        await office.close();
      }
    }, 120_000);
  },
);
