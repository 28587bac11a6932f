import { gs1CheckDigit } from '@tillpoint/scanner';
import { describe, expect, it } from 'vitest';
import { chainSuite, eventually, ok } from './chain-kit';
import { rubBasket } from './identify-kit';

/**
 * One customer across the chain (issues 13 and 14), as a chain runs: head office and four
 * tills in two stores, each its own process, on a SQLite and on a PostgreSQL head office. The
 * card enrolled at one till is enrolled everywhere; the welcome bonus is granted once; tier
 * spend, the purchase count and head office's segments and birthday count at every till; a
 * sale is returned at a till of another store, online (exact points) and with head office down
 * (booked for head office to settle); erasure takes the phone out of head office. At the end
 * every till gives the card the same answer, equal to the sum written here.
 */
const token = 'chain-token-0123456789abcdefghijk';
const ean13 = (body: string): string => `${body}${gs1CheckDigit(body)}`;
const card = ean13('200000000071');
/** Sold at two stores while head office is down: both tills grant its welcome bonus. */
const twice = ean13('200000000088');

/** Tiers by spend, VIP segment +1 %, birthday +3 %, welcome 300 once, every 5th purchase a gift. */
const program = {
  id: 'chain-customer',
  name: 'One customer',
  currency: 'RUB',
  pointValueMinor: 100,
  timeZone: '+03:00',
  tiers: [
    { id: 'start', name: 'Start', fromSpendMinor: 0, toSpendMinor: 1_000_000 },
    { id: 'silver', name: 'Silver', fromSpendMinor: 1_000_000 },
  ],
  segments: [{ id: 'vip', name: 'VIP' }],
  earn: [
    { type: 'cashback', id: 'start-5', percent: 5, when: { tiers: ['start'] } },
    { type: 'cashback', id: 'silver-7', percent: 7, when: { tiers: ['silver'] } },
    { type: 'cashback', id: 'vip-1', percent: 1, when: { segments: ['vip'] } },
    { type: 'cashback', id: 'birthday-3', percent: 3, when: { birthday: { daysBefore: 0, daysAfter: 0 } } },
    { type: 'welcome', id: 'welcome-300', reward: { points: 300 } },
    {
      type: 'nth-purchase',
      id: 'fifth-delivery',
      every: 5,
      reward: { gift: { sku: 'delivery', text: 'free delivery' } },
    },
  ],
};

const basket = (rub: number) => rubBasket(rub, 'coat');

const tills = [
  { tillId: 't1', storeId: 's1' },
  { tillId: 't2', storeId: 's1' },
  { tillId: 't3', storeId: 's2' },
  { tillId: 't4', storeId: 's2' },
] as const;
type TillId = (typeof tills)[number]['tillId'];

/** Today as month-day in the program's zone (+03:00), as the birthday rule reads it. */
function todayMonthDay(): string {
  return new Date(Date.now() + 3 * 3_600_000).toISOString().slice(5, 10);
}

describe.each([{ backend: 'SQLite' }, { backend: 'PostgreSQL' }])(
  'one customer across the chain, $backend head office: two stores of two tills',
  ({ backend }) => {
    const suite = chainSuite({ backend, name: 'chain', token, program, tills });
    const { pos, openHub, key } = suite;

    /** Waits until every till shows the card with this spendable figure (head office's snapshot merged). */
    const everywhere = async (spendable: number, code = card) => {
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
    };
    const sell = async (t: TillId, receiptId: string, rub: number) =>
      ok(
        await pos(t).commit({ idempotencyKey: key('sale'), receiptId, cardCode: card, basket: basket(rub) }),
      );

    it('gives the card the same answer at every till, online and offline', async () => {
      // Enrolled at t1 with a phone: enrolled at the other store's tills, and not twice.
      ok(await pos('t1').enrol(card, { idempotencyKey: key('enrol'), phone: '+79161234567', consent: true }));
      const atT3 = await eventually(
        () => pos('t3').card(card),
        (a) => a.ok && a.value.status === 'enrolled',
      );
      expect(atT3.ok && atT3.value.status).toBe('enrolled');
      // Once t4 (the same store) has pulled it too, it refuses a second enrolment.
      const atT4 = await eventually(
        () => pos('t4').card(card),
        (a) => a.ok && a.value.status === 'enrolled',
      );
      expect(atT4.ok && atT4.value.status).toBe('enrolled');
      const again = await pos('t4').enrol(card, {
        idempotencyKey: key('enrol'),
        phone: '+79160000000',
        consent: true,
      });
      expect(again.ok ? 'enrolled again' : again.error.code).toBe('already_enrolled');

      // The phone reached head office out of band: its hash is in the card's state.
      const office = await openHub();
      try {
        const state = await eventually(
          () => office.getCardState(card, Date.now()),
          (s) => s?.phoneHash !== null && s?.phoneHash !== undefined,
        );
        expect(state?.phoneHash).toMatch(/^[0-9a-f]{64}$/);
      } finally {
        await office.close();
      }

      // Sale 1 at t1, 6,000 RUB at Start: 5 % = 300, plus the welcome bonus 300.
      expect((await sell('t1', 'R-1', 6_000)).earnedPoints).toBe(600);
      await everywhere(600);
      // Sale 2 at t3 (the other store): no second welcome; still Start (6,000 spent): 300.
      const quoted = ok(await pos('t3').quote({ cardCode: card, basket: basket(6_000) }));
      expect(quoted.earned.totalPoints).toBe(300);
      expect((await sell('t3', 'R-2', 6_000)).earnedPoints).toBe(300);
      await everywhere(900);
      // 12,000 RUB spent across stores: Silver at t2 (store 1) and 7 % at t4 (store 2).
      const atT2 = await eventually(
        () => pos('t2').card(card),
        (a) => a.ok && a.value.tier?.id === 'silver',
      );
      expect(atT2.ok && atT2.value.tier?.id).toBe('silver');
      expect((await sell('t4', 'R-3', 1_000)).earnedPoints).toBe(70);
      await everywhere(970);
      expect((await sell('t2', 'R-4', 100)).earnedPoints).toBe(7);
      await everywhere(977);

      // Head office puts the card in the VIP segment and sets today as its birthday: +1 % and +3 %.
      const profiles = await openHub();
      try {
        await profiles.setCardProfile(
          card,
          { groups: ['vip'], birthDate: `1990-${todayMonthDay()}` },
          Date.now(),
        );
      } finally {
        await profiles.close();
      }
      // The 5th purchase (four before it, at three tills) wins the gift, at 7 + 1 + 3 = 11 %.
      const fifth = await eventually(
        () => pos('t1').quote({ cardCode: card, basket: basket(1_000) }),
        (a) => a.ok && a.value.earned.totalPoints === 110,
      );
      expect(fifth.ok && fifth.value.earned.totalPoints).toBe(110);
      const sale5 = await sell('t1', 'R-5', 1_000);
      expect(sale5.earnedPoints).toBe(110);
      expect(sale5.won.map((w) => w.text)).toContain('free delivery');
      await everywhere(1_087);

      // Sale 3 (t4, store 2) returned at t2 (store 1): head office's sale fact gives back its 70 exactly.
      const returned = ok(
        await pos('t2').returnSale({
          idempotencyKey: key('return'),
          originalReceiptId: 'R-3',
          cardCode: card,
          lines: [{ lineId: '1', quantity: 1 }],
        }),
      );
      expect(returned).toMatchObject({
        earnedReversedPoints: 70,
        spentRestoredPoints: 0,
        pointsSettled: true,
      });
      await everywhere(1_017);

      // Head office down: sale 4 (t2) returned at t3, booked on the card for head office to settle.
      await suite.hub.kill('SIGKILL');
      const offline = ok(
        await pos('t3').returnSale({
          idempotencyKey: key('return'),
          originalReceiptId: 'R-4',
          cardCode: card,
          lines: [{ lineId: '1', quantity: 1 }],
        }),
      );
      expect(offline).toMatchObject({ earnedReversedPoints: 0, pointsSettled: false });
      await suite.hub.start();
      // Settled once head office hears of it: the 7 points sale 4 earned are taken back, everywhere.
      await everywhere(1_010);
      const last = await Promise.all(
        tills.map(async (t) => ok(await pos(t.tillId).quote({ cardCode: card, basket: basket(500) }))),
      );
      expect(new Set(last.map((q) => q.earned.totalPoints))).toEqual(new Set([55]));

      // Erasure: the phone and its hash leave head office; the card and its points stay.
      const erasing = await openHub();
      try {
        await erasing.eraseCard(card, Date.now());
        const state = await erasing.getCardState(card, Date.now());
        expect(state?.phoneHash ?? null).toBeNull();
        expect(state?.status).toBe('enrolled');
      } finally {
        await erasing.close();
      }
      await everywhere(1_010);
    }, 240_000);

    it('grants the welcome bonus once chain-wide: two tills offline both grant it, head office takes one back and flags the card', async () => {
      await suite.hub.kill('SIGKILL');
      // Each till, not knowing the other's sale: 5 % of 1,000 RUB (50) and the welcome bonus (300).
      for (const [t, receiptId] of [
        ['t1', 'W-1'],
        ['t3', 'W-2'],
      ] as const) {
        const sale = ok(
          await pos(t).commit({
            idempotencyKey: key('welcome'),
            receiptId,
            cardCode: twice,
            basket: basket(1_000),
          }),
        );
        expect(sale.earnedPoints).toBe(350);
      }
      await suite.hub.start();
      // After sync: 350 + 350 − the second 300 = 400 at every till, and at head office.
      await everywhere(400, twice);
      const office = await openHub();
      try {
        const held = await office.getCard(twice, Date.now());
        expect(held).toMatchObject({ available: 400, flagged: true });
        expect(held?.flagReasons).toContain('duplicate_grant');
      } finally {
        await office.close();
      }
    }, 120_000);
  },
);
