import { quoteSchema } from '@tillpoint/rules';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { describe, expect, it } from 'vitest';
import { chainSuite, eventually, ok, roomyStoreLimits } from './chain-kit';
import { rubBasket } from './identify-kit';

/**
 * Chain-wide reward stock (issue 18): head office and two stores' tills, each its own process, on
 * a SQLite and on a PostgreSQL head office. A mug stocked 2 at head office is used at store 1 and
 * at store 2, then refused at store 1 online (out of stock). Restocked with 1, both tills take it
 * offline (each within its offline allowance of 1 on a figure of 1): head office books both, the
 * stock goes to −1 with 1 oversold, and the later sale's card is flagged `reward_out_of_stock`.
 */
const token = 'reward-stock-token-0123456789abcdef';
const ean13 = (body: string): string => `${body}${gs1CheckDigit(body)}`;
const card = ean13('200000000118');

const program = {
  id: 'chain-stock',
  name: 'Reward stock across the chain',
  currency: 'RUB',
  pointValueMinor: 100,
  timeZone: '+03:00',
  earn: [{ type: 'cashback', id: 'base-5', percent: 5 }],
  rewards: {
    catalogue: [
      {
        id: 'mug',
        name: 'A branded mug',
        costPoints: 100,
        limitedStock: true,
        benefit: { type: 'amount-off', amountMinor: 10_000 },
      },
    ],
  },
};

const basket = rubBasket;

const tills = [
  { tillId: 'a1', storeId: 's1' },
  { tillId: 'b1', storeId: 's2' },
] as const;
type TillId = (typeof tills)[number]['tillId'];

describe.each([{ backend: 'SQLite' }, { backend: 'PostgreSQL' }])(
  'reward stock across the chain, $backend head office',
  ({ backend }) => {
    const suite = chainSuite({
      backend,
      name: 'reward-stock',
      token,
      program,
      tills,
      prepare: async (store) => {
        await roomyStoreLimits(store, tills);
        await store.setRewardStock({ rewardId: 'mug', remaining: 2, offlinePerTill: 1, now: Date.now() });
      },
    });
    const { pos, withHub, key } = suite;

    const mugAt = async (t: TillId) => {
      const q = ok(await pos(t).quote({ cardCode: card, basket: basket(1_000), rewards: [{ id: 'mug' }] }));
      return quoteSchema.parse(q).rewards?.available.find((r) => r.rewardId === 'mug');
    };
    const sellMug = (t: TillId, receiptId: string) =>
      pos(t).commit({
        idempotencyKey: key('mug'),
        receiptId,
        cardCode: card,
        basket: basket(1_000),
        rewards: [{ id: 'mug' }],
      });
    const refusal = (answer: Awaited<ReturnType<typeof sellMug>>) =>
      answer.ok
        ? 'sold'
        : [answer.error.code, (answer.error as { details?: { reason?: string } }).details?.reason];
    /** Waits until the till offers the mug `times` times (0: refused with `code`). */
    const offered = async (t: TillId, times: number) => {
      const mug = await eventually(
        () => mugAt(t),
        (r) => r?.maxTimes === times,
      );
      expect({ till: t, maxTimes: mug?.maxTimes }).toEqual({ till: t, maxTimes: times });
      return mug;
    };
    const stockAtOffice = () =>
      withHub(async (office) => (await office.rewardStock()).find((r) => r.rewardId === 'mug'));

    it('takes the stock at both stores, then refuses it online; restocked, two tills offline oversell one, booked and flagged', async () => {
      ok(await pos('a1').enrol(card, { idempotencyKey: key('enrol'), phone: '+79161234510', consent: true }));
      // 5 % of 20 000 RUB: 1 000 points, enough for every mug below (100 each).
      ok(
        await pos('a1').commit({
          idempotencyKey: key('sale'),
          receiptId: 'S-0',
          cardCode: card,
          basket: basket(20_000),
        }),
      );
      // Both tills hold head office's figure of 2 (one use per purchase: at most 1 offered).
      await offered('a1', 1);
      await offered('b1', 1);
      expect(refusal(await sellMug('a1', 'S-1'))).toBe('sold');
      await eventually(stockAtOffice, (s) => s?.remaining === 1);
      await offered('b1', 1);
      expect(refusal(await sellMug('b1', 'S-2'))).toBe('sold');
      expect(await eventually(stockAtOffice, (s) => s?.remaining === 0)).toMatchObject({
        remaining: 0,
        oversold: 0,
      });
      // Store 1 online: head office's 0 has arrived, the mug is out of stock.
      const out = await offered('a1', 0);
      expect(out?.whyNot?.code).toBe('out_of_stock');
      expect(refusal(await sellMug('a1', 'S-3'))).toEqual(['reward_unavailable', 'out_of_stock']);

      // One more mug stocked: both tills hear of it, then head office goes away.
      await withHub((office) => office.setRewardStock({ rewardId: 'mug', remaining: 1, now: Date.now() }));
      await offered('a1', 1);
      await offered('b1', 1);
      await suite.hub.kill('SIGKILL');
      // Store 2 offline: its figure says 1 and its allowance is 1: sold, then none left for it.
      expect(refusal(await sellMug('b1', 'S-4'))).toBe('sold');
      expect(refusal(await sellMug('b1', 'S-5'))).toEqual(['reward_unavailable', 'out_of_stock']);
      // Store 1 offline on the same figure: sold too (the bounded oversell).
      expect(refusal(await sellMug('a1', 'S-6'))).toBe('sold');
      await suite.hub.start();
      // Head office books both: 1 − 2 = −1, one unit oversold, the later sale's card flagged.
      expect(await eventually(stockAtOffice, (s) => s?.remaining === -1)).toMatchObject({
        remaining: -1,
        oversold: 1,
        offlinePerTill: 1,
      });
      expect((await withHub((office) => office.getCard(card, Date.now())))?.flagReasons).toContain(
        'reward_out_of_stock',
      );
      // Back online, both tills see the stock gone.
      for (const t of tills) await offered(t.tillId, 0);
    }, 240_000);
  },
);
