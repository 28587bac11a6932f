import { msPerDay } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import type { CardStateInput, CommitSaleRequest, LedgerStore, SaleInput } from '../src/store/index';
import { line, saleOfLines } from './sale-facts';

/**
 * The contract of the merged card (docs/chain-sync.md, "The one merge rule"), once-only grants in
 * the offline exposure, and enrolment without personal data; part of `ledgerStoreContract`.
 * Expected figures are worked out by hand here.
 */
const t0 = Date.parse('2026-01-01T00:00:00Z');

/** A sale on `cardId` of one line of `amountMinor`, earning `earned` (+ the bonuses'), spending nothing. */
function sale(
  receiptId: string,
  o: { cardId?: string; amountMinor?: number; earned?: number; bonuses?: SaleInput['bonuses'] } = {},
): CommitSaleRequest {
  const bonuses = o.bonuses ?? [];
  const points = (o.earned ?? 0) + bonuses.reduce((sum, b) => sum + b.points, 0);
  return {
    idempotencyKey: receiptId,
    cardId: o.cardId ?? 'C1',
    receiptId,
    at: t0,
    basketTotalMinor: o.amountMinor ?? 10_000,
    accruals: points === 0 ? [] : [{ points, vestsAt: t0, expiresAt: null, ruleIds: ['base'] }],
    redeemPoints: 0,
    rulesVersion: 'v1',
    sale: saleOfLines(
      [line('1', { amountMinor: o.amountMinor ?? 10_000, earnedPoints: o.earned ?? 0 })],
      bonuses,
    ),
  };
}

const welcome = { ruleId: 'welcome', kind: 'welcome', points: 200, grantOnceKey: 'welcome' };
const birthday = { ruleId: 'bday', kind: 'date-bonus', points: 30, grantOnceKey: 'birthday-2026' };

/** Head office's card: enrolled, 5,000.00 in the tier window, 9,000.00 in all, 7 purchases, welcome granted. */
function headCard(over: Partial<CardStateInput> = {}): CardStateInput {
  return {
    status: 'enrolled',
    enrolledAt: t0 - msPerDay,
    counters: {
      tierSpendMinor: 500_000,
      tierFloorMinor: 0,
      lifetimeSpendMinor: 900_000,
      purchaseCount: 7,
      asOf: t0 - 1_000,
    },
    grants: ['welcome'],
    profile: { birthMonthDay: '03-08', groups: ['women'], referredBy: null, completeness: 80 },
    phoneHash: 'a'.repeat(64),
    ...over,
  };
}

function keep(store: LedgerStore, seq: number, card: CardStateInput | undefined, available = 0): void {
  store.setCardSnapshots({
    watermark: { epoch: store.epoch, seq },
    balances: [{ cardId: 'C1', available, pending: 0, ...(card === undefined ? {} : { card }) }],
    at: t0,
  });
}

export function cardContract(name: string, setup: () => LedgerStore, teardown: () => void): void {
  describe(`${name}: the merged card`, () => {
    it('reads head office`s card plus this till`s own entries after the watermark, field by field', () => {
      const store = setup();
      try {
        store.commitSale(sale('R1', { amountMinor: 10_000 })); // seq 1, before the watermark
        store.commitSale(sale('R2', { amountMinor: 20_000, bonuses: [birthday] })); // seq 2, after it
        keep(store, 1, headCard(), 40);
        expect(store.getCard('C1', t0)).toMatchObject({
          cardSource: 'head-office',
          status: 'enrolled',
          enrolledAt: t0 - msPerDay,
          tierSpendMinor: 500_000 + 20_000,
          tierFloorMinor: 0,
          lifetimeSpendMinor: 900_000 + 20_000,
          purchaseCount: 7 + 1,
          countersAsOf: t0 - 1_000,
          grantedOnce: ['birthday-2026', 'welcome'],
          profile: { birthMonthDay: '03-08', groups: ['women'], referredBy: null, completeness: 80 },
          phoneHash: 'a'.repeat(64),
          headOffice: {
            own: {
              spendMinor: 20_000,
              purchases: 1,
              grants: ['birthday-2026'],
              status: null,
              enrolledAt: null,
            },
          },
        });
        // A sale and a return after it move the sums at once; no snapshot needed.
        store.commitSale(sale('R3', { amountMinor: 5_000 }));
        store.returnSale({
          idempotencyKey: 'ret',
          receiptId: 'R3',
          at: t0,
          storeId: 'store-1',
          refundMinor: 2_000,
        });
        expect(store.getCard('C1', t0)).toMatchObject({
          tierSpendMinor: 523_000,
          lifetimeSpendMinor: 923_000,
          purchaseCount: 9,
        });
        // Head office has them all now (watermark 4): its figures alone.
        keep(
          store,
          4,
          headCard({
            counters: {
              tierSpendMinor: 523_000,
              tierFloorMinor: 100,
              lifetimeSpendMinor: 923_000,
              purchaseCount: 9,
              asOf: t0,
            },
          }),
        );
        expect(store.getCard('C1', t0)).toMatchObject({
          tierSpendMinor: 523_000,
          tierFloorMinor: 100,
          purchaseCount: 9,
          headOffice: { own: { spendMinor: 0, purchases: 0, grants: [], status: null, enrolledAt: null } },
        });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });

    it('answers from the till`s own facts without head office`s card state, as before', () => {
      const store = setup();
      try {
        store.commitSale(sale('R1', { amountMinor: 10_000, bonuses: [welcome] }));
        keep(store, 1, undefined, 500);
        expect(store.getCard('C1', t0)).toMatchObject({
          cardSource: 'till',
          status: 'anonymous',
          tierSpendMinor: 10_000,
          lifetimeSpendMinor: 10_000,
          purchaseCount: 1,
          countersAsOf: null,
          grantedOnce: ['welcome'],
          profile: null,
          phoneHash: null,
          spendable: 500,
        });
      } finally {
        teardown();
      }
    });

    it('lets its own card-state entries win until head office has them; decides with the merged status', () => {
      const store = setup();
      try {
        keep(store, 0, headCard({ status: 'blocked' }));
        expect(store.commitSale(sale('R1'))).toMatchObject({ ok: false, code: 'card_blocked' });
        expect(
          store.hold({ idempotencyKey: 'h', cardId: 'C1', points: 1, at: t0, ttlMs: 60_000 }),
        ).toMatchObject({
          code: 'card_blocked',
        });
        expect(store.enrolCard({ idempotencyKey: 'e0', cardId: 'C1', at: t0 })).toMatchObject({
          code: 'card_blocked',
        });
        // Unblocked here: enrolled again (head office knew the enrolment), at once, before head office hears.
        expect(store.unblockCard({ idempotencyKey: 'u', cardId: 'C1', at: t0 })).toMatchObject({
          ok: true,
          value: { status: 'enrolled' },
        });
        expect(store.getCard('C1', t0)).toMatchObject({
          status: 'enrolled',
          headOffice: { own: { status: 'enrolled' } },
        });
        expect(store.commitSale(sale('R2')).ok).toBe(true);
        // Enrolled somewhere in the chain: refused here.
        expect(store.enrolCard({ idempotencyKey: 'e1', cardId: 'C1', at: t0 })).toMatchObject({
          code: 'already_enrolled',
        });
        // An anonymous card at head office enrols; the till's entry wins until head office has it.
        keep(store, 2, headCard({ status: 'anonymous', enrolledAt: null }));
        expect(store.getCard('C1', t0)?.status).toBe('anonymous');
        expect(store.enrolCard({ idempotencyKey: 'e2', cardId: 'C1', at: t0 + 5 })).toMatchObject({
          ok: true,
          value: { status: 'enrolled' },
        });
        expect(store.getCard('C1', t0 + 5)).toMatchObject({ status: 'enrolled', enrolledAt: t0 + 5 });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: once-only grants in the offline exposure`, () => {
    it('counts the points of once-only bonuses of unacknowledged entries, per card and for the till', () => {
      const store = setup();
      try {
        store.commitSale(sale('R1', { earned: 10, bonuses: [welcome] })); // seq 1: C1 200 once-only
        store.commitSale(
          sale('R2', {
            cardId: 'C2',
            bonuses: [birthday, { ruleId: 'thr', kind: 'threshold', points: 50, grantOnceKey: null }],
          }),
        ); // seq 2: C2 30
        expect(store.unackedSpend('C1')).toEqual({ card: 0, till: 0, grantedCard: 200, grantedTill: 230 });
        expect(store.unackedSpend('C2')).toEqual({ card: 0, till: 0, grantedCard: 30, grantedTill: 230 });
        store.markAcked(1);
        expect(store.unackedSpend('C1')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 30 });
        store.markAcked(2);
        expect(store.unackedSpend('C2')).toEqual({ card: 0, till: 0, grantedCard: 0, grantedTill: 0 });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });
  });

  describe(`${name}: enrolment without personal data`, () => {
    it('keeps the phone out of the journal and outbox, in a pending profile until head office acknowledges it', () => {
      const store = setup();
      try {
        const enrolled = store.enrolCard({
          idempotencyKey: 'e1',
          cardId: 'C1',
          phone: '+79161234567',
          consentAt: t0 - 5,
          at: t0,
        });
        expect(enrolled).toMatchObject({ ok: true, value: { status: 'enrolled' } });
        store.enrolCard({ idempotencyKey: 'e2', cardId: 'C2', phone: '+79160000002', consentAt: t0, at: t0 });
        const entries = store.outboxAfter(0, 10);
        expect(JSON.stringify(entries)).not.toMatch(/7916/);
        const ref = entries[0]?.detail.profileRef;
        expect(entries[0]?.detail).toEqual({ profileRef: ref, consentAt: t0 - 5, status: 'enrolled' });
        expect(typeof ref).toBe('string');
        expect(store.pendingProfiles(10)).toEqual([
          { cardId: 'C1', profileRef: ref, phone: '+79161234567', consentAt: t0 - 5 },
          { cardId: 'C2', profileRef: entries[1]?.detail.profileRef, phone: '+79160000002', consentAt: t0 },
        ]);
        expect(store.pendingProfiles(1)).toHaveLength(1);
        expect(store.acknowledgeProfiles([ref as string, 'unknown-ref'])).toBe(1);
        expect(store.pendingProfiles(10).map((p) => p.cardId)).toEqual(['C2']);
        expect(JSON.stringify(store.getCard('C1', t0))).not.toMatch(/7916/);
        // Without a phone, no profile and no ref.
        store.enrolCard({ idempotencyKey: 'e3', cardId: 'C3', at: t0 });
        expect(store.outboxAfter(2, 1)[0]?.detail).toEqual({
          profileRef: null,
          consentAt: null,
          status: 'enrolled',
        });
        expect(() =>
          store.enrolCard({ idempotencyKey: 'e4', cardId: 'C4', phone: '+79160000004', at: t0 }),
        ).toThrow(/consentAt is required/);
        expect(() =>
          store.enrolCard({ idempotencyKey: 'e5', cardId: 'C5', phone: '8 916 000', consentAt: t0, at: t0 }),
        ).toThrow(/phone/);
      } finally {
        teardown();
      }
    });

    it('erases what the till keeps of a person: pending profiles, head office`s profile and phone hash', () => {
      const store = setup();
      try {
        store.enrolCard({ idempotencyKey: 'e1', cardId: 'C1', phone: '+79161234567', consentAt: t0, at: t0 });
        store.enrolCard({ idempotencyKey: 'e2', cardId: 'C2', phone: '+79160000002', consentAt: t0, at: t0 });
        keep(store, 2, headCard());
        expect(store.eraseCard('C1')).toEqual({ profilesDeleted: 1, snapshotCleared: true });
        expect(store.pendingProfiles(10).map((p) => p.cardId)).toEqual(['C2']);
        expect(store.getCard('C1', t0)).toMatchObject({
          profile: null,
          phoneHash: null,
          status: 'enrolled',
          grantedOnce: ['welcome'],
        });
        expect(store.eraseCard('C1')).toEqual({ profilesDeleted: 0, snapshotCleared: false });
        // The next snapshot after an erasure at head office says the same.
        keep(store, 2, headCard({ profile: null, phoneHash: null }));
        expect(store.getCard('C1', t0)).toMatchObject({ profile: null, phoneHash: null });
        expect(store.findInvariantViolations()).toEqual([]);
      } finally {
        teardown();
      }
    });
  });
}
