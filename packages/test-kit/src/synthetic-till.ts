import { canonicalJson, multiplyDivide } from '@tillpoint/core';
import {
  chainHash,
  genesisHash,
  type OutboxBody,
  type OutboxEntry,
  type ReturnFact,
  type SaleFact,
  type SaleFactReward,
} from '@tillpoint/ledger';

/** A line of a synthetic sale: what it cost, the points it earned, the points spent on it. */
export interface SyntheticLine {
  lineId: string;
  sku?: string;
  category?: string | null;
  quantity: number;
  unitPriceMinor: number;
  earnedPoints: number;
  spentPoints?: number;
}

export interface SyntheticBonus {
  ruleId: string;
  /** The rule's type, as the engine names it (default `bonus`). */
  kind?: string;
  points: number;
  grantOnceKey?: string | null;
}

/**
 * A till's outbox, made by hand for hub tests: properly chained entries that earn or spend
 * points on a card. `spend` takes points from the till's own lots first, then from a lot named
 * `snapshot:<card>` (what a till spends of a head-office snapshot).
 */
export class SyntheticTill {
  readonly entries: OutboxEntry[] = [];
  #lastHash: string;
  #lots = new Map<string, { lotId: string; remaining: number }[]>();
  /** Units returned so far of each line of each sale this till returned (settled returns). */
  #returned = new Map<string, Map<string, number>>();
  #n = 0;

  constructor(
    readonly tillId: string,
    readonly epoch = `epoch-${tillId}`,
  ) {
    this.#lastHash = genesisHash(tillId, epoch);
  }

  earn(
    cardId: string,
    points: number,
    at = 1_000,
    lot: { vestsAt?: number; expiresAt?: number | null } = {},
  ): OutboxEntry {
    const lotId = `${this.tillId}-lot-${this.#n + 1}`;
    const vestsAt = lot.vestsAt ?? at;
    const entry = this.#append({
      kind: 'sale',
      cardId,
      occurredAt: at,
      postings: [
        { leg: 0, account: vestsAt > at ? 'member_pending' : 'member_available', amount: points, lotId },
        { leg: 1, account: 'issued_liability', amount: -points, lotId: null },
      ],
      newLots: [
        {
          lotId,
          initial: points,
          vestsAt,
          expiresAt: lot.expiresAt ?? null,
          account: vestsAt > at ? 'member_pending' : 'member_available',
        },
      ],
    });
    const lots = this.#lots.get(cardId) ?? [];
    lots.push({ lotId, remaining: points });
    this.#lots.set(cardId, lots);
    return entry;
  }

  /**
   * An earn whose postings are the given amounts, chained like any entry: the first goes into
   * one new lot of the card, the others to the program's accounts in turn. For tests of what
   * head office refuses (amounts that do not sum to zero, or only in floating point).
   */
  earnWithPostings(cardId: string, amounts: readonly number[], at = 1_000): OutboxEntry {
    const lotId = `${this.tillId}-lot-${this.#n + 1}`;
    const others = ['issued_liability', 'redeemed', 'expired', 'adjustments', 'offline_overdraft'] as const;
    return this.#append({
      kind: 'sale',
      cardId,
      occurredAt: at,
      postings: amounts.map((amount, leg) =>
        leg === 0
          ? { leg, account: 'member_available', amount, lotId }
          : {
              leg,
              account: others[(leg - 1) % others.length] as (typeof others)[number],
              amount,
              lotId: null,
            },
      ),
      newLots: [
        { lotId, initial: amounts[0] ?? 1, vestsAt: at, expiresAt: null, account: 'member_available' },
      ],
    });
  }

  spend(cardId: string, points: number, at = 2_000): OutboxEntry {
    const postings: OutboxBody['postings'] = [];
    this.#spendPostings(postings, cardId, points);
    postings.push({ leg: postings.length, account: 'redeemed', amount: points, lotId: null });
    return this.#append({ kind: 'sale', cardId, occurredAt: at, postings, newLots: [] });
  }

  /**
   * A sale with its sale fact, as the ledger books one: the points earned by its lines and
   * bonuses go to one new lot, the points spent on its lines come from the till's own lots and
   * then `snapshot:<card>`; the money paid is the lines' amount less what the points paid (one
   * point pays one minor unit here).
   */
  sell(
    cardId: string,
    input: {
      receiptId: string;
      lines: readonly SyntheticLine[];
      bonuses?: readonly SyntheticBonus[];
      at?: number;
      storeId?: string;
      vestsAt?: number;
      expiresAt?: number | null;
      /** The rules version the till quoted with (default null), and the POS's cashier (default c-7). */
      rulesVersion?: string | null;
      cashierId?: string | null;
      /** Catalogue rewards taken: their cost is redeemed with the lines' points, their discount off the lines. */
      rewards?: readonly SaleFactReward[];
    },
  ): OutboxEntry {
    const at = input.at ?? 1_000;
    const rewardOff = (lineId: string) =>
      (input.rewards ?? []).reduce(
        (sum, r) => sum + r.lines.reduce((s2, x) => s2 + (x.lineId === lineId ? x.discountMinor : 0), 0),
        0,
      );
    const lines = input.lines.map((l) => {
      const amountMinor = Math.round(l.quantity * l.unitPriceMinor);
      const off = rewardOff(l.lineId);
      return {
        lineId: l.lineId,
        sku: l.sku ?? `sku-${l.lineId}`,
        category: l.category ?? null,
        quantity: l.quantity,
        unitPriceMinor: l.unitPriceMinor,
        amountMinor,
        discountMinor: 0,
        promotions: [],
        earnedPoints: l.earnedPoints,
        ruleIds: l.earnedPoints > 0 ? ['base'] : [],
        spentPoints: l.spentPoints ?? 0,
        spentDiscountMinor: l.spentPoints ?? 0,
        ...(off > 0 ? { rewardDiscountMinor: off } : {}),
      };
    });
    const bonuses = (input.bonuses ?? []).map((b) => ({
      ruleId: b.ruleId,
      kind: b.kind ?? 'bonus',
      points: b.points,
      grantOnceKey: b.grantOnceKey ?? null,
    }));
    const basket = lines.reduce((sum, l) => sum + l.amountMinor, 0);
    const spentDiscount = lines.reduce(
      (sum, l) => sum + l.spentDiscountMinor + (l.rewardDiscountMinor ?? 0),
      0,
    );
    const sale: SaleFact = {
      receiptId: input.receiptId,
      storeId: input.storeId ?? 's1',
      cashierId: input.cashierId === undefined ? 'c-7' : input.cashierId,
      currency: 'RUB',
      basketTotalMinor: basket,
      spendMinor: basket - spentDiscount,
      lines,
      bonuses,
      ...(input.rewards === undefined || input.rewards.length === 0 ? {} : { rewards: [...input.rewards] }),
    };
    const earned =
      lines.reduce((sum, l) => sum + l.earnedPoints, 0) + bonuses.reduce((sum, b) => sum + b.points, 0);
    const spent =
      lines.reduce((sum, l) => sum + l.spentPoints, 0) +
      (input.rewards ?? []).reduce((sum, r) => sum + r.costPoints, 0);
    const postings: OutboxBody['postings'] = [];
    const newLots: OutboxBody['newLots'] = [];
    this.#spendPostings(postings, cardId, spent);
    if (spent > 0) postings.push({ leg: postings.length, account: 'redeemed', amount: spent, lotId: null });
    const vestsAt = input.vestsAt ?? at;
    const account = vestsAt > at ? 'member_pending' : 'member_available';
    if (earned > 0) {
      const lotId = `${this.tillId}-lot-${this.#n + 1}`;
      postings.push({ leg: postings.length, account, amount: earned, lotId });
      postings.push({ leg: postings.length, account: 'issued_liability', amount: -earned, lotId: null });
      newLots.push({ lotId, initial: earned, vestsAt, expiresAt: input.expiresAt ?? null, account });
      const lots = this.#lots.get(cardId) ?? [];
      lots.push({ lotId, remaining: earned });
      this.#lots.set(cardId, lots);
    }
    return this.#append({
      kind: 'sale',
      cardId,
      occurredAt: at,
      postings,
      newLots,
      sale,
      rulesVersion: input.rulesVersion ?? null,
    });
  }

  /**
   * A return of lines of a sale. Booked by the till that holds the sale (`settled`), it takes back
   * each line's earned points in proportion (half up) and gives back its spent points (down),
   * cumulative over this till's returns of the sale, and refunds the money those units took;
   * booked offline at a till that does not hold the sale, it carries no points
   * (`pointsSettled: false`) and, by lines, no money either, for head office to settle.
   */
  returnLines(
    sale: OutboxEntry,
    lines: readonly { lineId: string; quantity: number }[] | null,
    options: { settled: boolean; at?: number; refundMinor?: number; storeId?: string },
  ): OutboxEntry {
    const fact = sale.sale;
    if (fact === undefined) throw new Error('returnLines needs a sale with its fact');
    const at = options.at ?? 4_000;
    const postings: OutboxBody['postings'] = [];
    const newLots: OutboxBody['newLots'] = [];
    // The money a till gives back for the returned units (as the ledger does); offline, by lines,
    // the till cannot know it and sends 0 for head office to work out.
    let money = 0;
    if (options.settled && lines !== null) {
      const before = this.#returned.get(sale.txnId) ?? new Map<string, number>();
      let earned = 0;
      let spent = 0;
      for (const r of lines) {
        const line = fact.lines.find((l) => l.lineId === r.lineId);
        if (!line) continue;
        const had = before.get(r.lineId) ?? 0;
        const now = Math.min(line.quantity, had + r.quantity);
        const micro = (q: number) => Math.round(q * 1_000_000);
        const q = micro(line.quantity);
        earned +=
          multiplyDivide(line.earnedPoints, micro(now), q, 'half-up') -
          multiplyDivide(line.earnedPoints, micro(had), q, 'half-up');
        spent +=
          multiplyDivide(line.spentPoints, micro(now), q, 'down') -
          multiplyDivide(line.spentPoints, micro(had), q, 'down');
        const lineMoney = line.amountMinor - line.spentDiscountMinor;
        money +=
          multiplyDivide(lineMoney, micro(now), q, 'down') - multiplyDivide(lineMoney, micro(had), q, 'down');
        before.set(r.lineId, now);
      }
      this.#returned.set(sale.txnId, before);
      const earnedLot = sale.newLots[0];
      if (earned > 0 && earnedLot) {
        postings.push({
          leg: postings.length,
          account: earnedLot.account,
          amount: -earned,
          lotId: earnedLot.lotId,
        });
        postings.push({ leg: postings.length, account: 'issued_liability', amount: earned, lotId: null });
        const lot = this.#lots.get(sale.cardId)?.find((l) => l.lotId === earnedLot.lotId);
        if (lot) lot.remaining -= earned;
      }
      if (spent > 0) {
        const lotId = `${this.tillId}-lot-${this.#n + 1}:r`;
        newLots.push({ lotId, initial: spent, vestsAt: at, expiresAt: null, account: 'member_available' });
        postings.push({ leg: postings.length, account: 'member_available', amount: spent, lotId });
        postings.push({ leg: postings.length, account: 'redeemed', amount: -spent, lotId: null });
        const lots = this.#lots.get(sale.cardId) ?? [];
        lots.push({ lotId, remaining: spent });
        this.#lots.set(sale.cardId, lots);
      }
    }
    const refund = options.refundMinor ?? money;
    const returned: ReturnFact = {
      origin: {
        receiptId: fact.receiptId,
        txnId: options.settled ? sale.txnId : null,
        tillId: options.settled ? sale.tillId : null,
      },
      storeId: options.storeId ?? 's1',
      cashierId: 'c-7',
      lines: lines === null ? null : lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })),
      refundMinor: refund,
      spendReversedMinor: refund,
      pointsSettled: options.settled,
    };
    return this.#append({
      kind: 'return',
      cardId: sale.cardId,
      occurredAt: at,
      postings,
      newLots,
      reverses: options.settled ? sale.txnId : null,
      returned,
    });
  }

  /** An enrolment as the ledger writes it now: a random profile ref, no personal data. */
  enrol(cardId: string, profileRef: string, at = 500): OutboxEntry {
    return this.#append({
      kind: 'card_enrolled',
      cardId,
      occurredAt: at,
      postings: [],
      newLots: [],
      detail: { profileRef, consentAt: at },
    });
  }

  /** A manual accrual (+) or write-off (−) by an employee, as the ledger books one (a write-off from the till's own lots). */
  adjust(
    cardId: string,
    points: number,
    detail: { actor?: string; role?: string; reason?: string },
    at = 2_500,
  ): OutboxEntry {
    const postings: OutboxBody['postings'] = [];
    const newLots: OutboxBody['newLots'] = [];
    if (points > 0) {
      const lotId = `${this.tillId}-lot-${this.#n + 1}`;
      postings.push({ leg: 0, account: 'member_available', amount: points, lotId });
      postings.push({ leg: 1, account: 'adjustments', amount: -points, lotId: null });
      newLots.push({ lotId, initial: points, vestsAt: at, expiresAt: null, account: 'member_available' });
      const lots = this.#lots.get(cardId) ?? [];
      lots.push({ lotId, remaining: points });
      this.#lots.set(cardId, lots);
    } else {
      this.#spendPostings(postings, cardId, -points);
      postings.push({ leg: postings.length, account: 'adjustments', amount: -points, lotId: null });
    }
    return this.#append({
      kind: 'adjustment',
      cardId,
      occurredAt: at,
      postings,
      newLots,
      detail: { points, ...detail },
    });
  }

  /** An enrolment as the ledger wrote it before profiles moved out: the phone in `detail`. */
  enrolLegacy(cardId: string, phone: string, at = 500): OutboxEntry {
    return this.#append({
      kind: 'card_enrolled',
      cardId,
      occurredAt: at,
      postings: [],
      newLots: [],
      detail: { phone, consentAt: at },
    });
  }

  /** Points out of the till's own lots first (a negative amount puts them back), the rest from head office's figure. */
  #spendPostings(postings: OutboxBody['postings'], cardId: string, points: number): void {
    let left = points;
    for (const lot of this.#lots.get(cardId) ?? []) {
      const take = Math.min(left, lot.remaining);
      if (take === 0) continue;
      lot.remaining -= take;
      left -= take;
      postings.push({ leg: postings.length, account: 'member_available', amount: -take, lotId: lot.lotId });
    }
    if (left > 0)
      postings.push({
        leg: postings.length,
        account: 'member_available',
        amount: -left,
        lotId: `snapshot:${cardId}`,
      });
  }

  block(cardId: string, at = 3_000): OutboxEntry {
    return this.#append({ kind: 'card_blocked', cardId, occurredAt: at, postings: [], newLots: [] });
  }

  /**
   * A full return of an earlier sale of this till, as the ledger books one: the points the sale
   * earned are taken back from the lots it made, and the points it spent go back to the lots
   * they came from (own lots and `snapshot:<card>`).
   */
  returnSale(sale: OutboxEntry, at = 4_000): OutboxEntry {
    const postings: OutboxBody['postings'] = [];
    for (const p of sale.postings) {
      if (p.account !== 'member_available' && p.account !== 'member_pending') continue;
      postings.push({ leg: postings.length, account: p.account, amount: -p.amount, lotId: p.lotId });
      const lot = this.#lots.get(sale.cardId)?.find((l) => l.lotId === p.lotId);
      if (lot) lot.remaining = Math.max(0, lot.remaining - p.amount);
    }
    const member = postings.reduce((sum, p) => sum + p.amount, 0);
    const earned = sale.postings.some((p) => p.account === 'issued_liability');
    postings.push({
      leg: postings.length,
      account: earned ? 'issued_liability' : 'redeemed',
      amount: -member,
      lotId: null,
    });
    return this.#append({
      kind: 'return',
      cardId: sale.cardId,
      occurredAt: at,
      postings,
      newLots: [],
      reverses: sale.txnId,
    });
  }

  /**
   * The same entries under another epoch, numbered from seq 1 and chained from that epoch's
   * genesis: what a till sends when its outbox was copied or its epoch reset (the transaction
   * ids are the ones already sent).
   */
  static reEpoch(entries: readonly OutboxEntry[], epoch: string): OutboxEntry[] {
    const first = entries[0];
    if (first === undefined) return [];
    let prev = genesisHash(first.tillId, epoch);
    return entries.map((entry, i) => {
      const { prevHash: _p, hash: _h, ...rest } = entry;
      const body: OutboxBody = { ...rest, epoch, seq: i + 1 };
      const hash = chainHash(prev, canonicalJson(body));
      const out: OutboxEntry = { ...body, prevHash: prev, hash };
      prev = hash;
      return out;
    });
  }

  /** Entries `from..to` (1-based seqs, inclusive). */
  slice(from: number, to: number): OutboxEntry[] {
    return this.entries.slice(from - 1, to);
  }

  #append(
    part: Pick<OutboxBody, 'kind' | 'cardId' | 'occurredAt' | 'postings' | 'newLots'> &
      Partial<Pick<OutboxBody, 'reverses' | 'detail' | 'sale' | 'returned' | 'rulesVersion'>>,
  ): OutboxEntry {
    this.#n += 1;
    const body: OutboxBody = {
      tillId: this.tillId,
      epoch: this.epoch,
      seq: this.#n,
      txnId: `${this.tillId}-${this.epoch}-txn-${this.#n}`,
      idempotencyKey: `${this.tillId}-key-${this.#n}`,
      rulesVersion: null,
      reverses: null,
      detail: {},
      ...part,
    };
    const hash = chainHash(this.#lastHash, canonicalJson(body));
    const entry: OutboxEntry = { ...body, prevHash: this.#lastHash, hash };
    this.#lastHash = hash;
    this.entries.push(entry);
    return entry;
  }
}
