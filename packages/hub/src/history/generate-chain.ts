import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { type ProgramVersion, quote } from '@tillpoint/rules';
import { quantityUnits, settleReturn } from '../chain/return-settlement';
import type { TierPolicy } from '../chain/tier-window';
import { type ImportKind, importFields } from './import-mapping';
import { basketOf, CardClock, type CardHistory, type HistoryLine, type HistorySale } from './replay-card';

/**
 * A realistic chain's history at any size, as import files (packages/hub/README.md, "File format"): cards with
 * profiles, an opening-balance lot each, receipts of about `linesPerReceipt` lines at stores and
 * tills (a card buys mostly at its home store), some paid partly with points, returns of lines or
 * of money. Points are booked by the rules engine under `program`, sale by sale, with the card as
 * the replay sees it (`CardClock`), so a what-if of the booked program changes nothing.
 * Deterministic: the same spec writes the same bytes. Memory: one card's history at a time.
 */
export interface ChainSpec {
  seed: number;
  cards: number;
  stores: number;
  tillsPerStore: number;
  receipts: number;
  linesPerReceipt: number;
  /** Share of receipts returned (in part or whole), 0-1. */
  returnShare: number;
  from: number;
  to: number;
  program: ProgramVersion;
  policy: TierPolicy;
  dir: string;
}

export interface GeneratedChain {
  files: Record<ImportKind, string>;
  counts: { cards: number; lots: number; receipts: number; lines: number; returns: number };
}

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const cardIdOf = (i: number) => `77${String(i).padStart(11, '0')}`;
const skuCount = 5_000;
const dayMs = 86_400_000;

class Out {
  #buffer = '';
  constructor(readonly stream: WriteStream) {}
  async row(fields: readonly (string | number | null)[]): Promise<void> {
    this.#buffer += `${fields.map((f) => (f === null ? '' : typeof f === 'number' ? String(f) : quoted(f))).join(',')}\n`;
    if (this.#buffer.length > 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#buffer === '') return;
    const ok = this.stream.write(this.#buffer);
    this.#buffer = '';
    if (!ok) await once(this.stream, 'drain');
  }
  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

const quoted = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

export async function generateChain(spec: ChainSpec): Promise<GeneratedChain> {
  const files = {
    cards: join(spec.dir, 'cards.csv'),
    balances: join(spec.dir, 'balances.csv'),
    sales: join(spec.dir, 'sales.csv'),
    returns: join(spec.dir, 'returns.csv'),
  };
  const out = {
    cards: new Out(createWriteStream(files.cards)),
    balances: new Out(createWriteStream(files.balances)),
    sales: new Out(createWriteStream(files.sales)),
    returns: new Out(createWriteStream(files.returns)),
  };
  await out.cards.row([
    'card_id',
    'status',
    'enrolled_at',
    'phone',
    'name',
    'birth_date',
    'groups',
    'referred_by',
  ]);
  await out.balances.row(['card_id', 'lot_id', 'points', 'earned_at', 'expires_at']);
  await out.sales.row(importFields.sales);
  await out.returns.row([
    'return_id',
    'card_id',
    'occurred_at',
    'receipt_id',
    'store_id',
    'till_id',
    'line_id',
    'quantity',
    'refund',
  ]);
  const counts = { cards: 0, lots: 0, receipts: 0, lines: 0, returns: 0 };
  const base = Math.floor(spec.receipts / spec.cards);
  for (let i = 0; i < spec.cards; i++) {
    const receipts = base + (i < spec.receipts % spec.cards ? 1 : 0);
    await generateCard(spec, i, receipts, out, counts);
  }
  for (const o of Object.values(out)) await o.end();
  return { files, counts };
}

async function generateCard(
  spec: ChainSpec,
  i: number,
  receipts: number,
  out: Record<ImportKind, Out>,
  counts: GeneratedChain['counts'],
): Promise<void> {
  const rnd = random((spec.seed * 2654435761 + i * 40503) >>> 0);
  const pick = (n: number) => Math.floor(rnd() * n);
  const cardId = cardIdOf(i);
  const span = spec.to - spec.from;
  const enrolled = rnd() < 0.7;
  const enrolledAt = enrolled ? spec.from - pick(400) * dayMs : null;
  const staff = rnd() < 0.03;
  const birth = `19${50 + pick(50)}-${String(1 + pick(12)).padStart(2, '0')}-${String(1 + pick(28)).padStart(2, '0')}`;
  await out.cards.row([
    cardId,
    enrolled ? 'enrolled' : 'anonymous',
    enrolledAt === null ? null : new Date(enrolledAt).toISOString(),
    enrolled ? `+7916${String(pick(1e7)).padStart(7, '0')}` : null,
    enrolled ? `Buyer ${i}` : null,
    enrolled ? birth : null,
    staff ? 'staff' : null,
    null,
  ]);
  counts.cards += 1;
  let balance = pick(2_000);
  if (balance > 0) {
    const earnedAt = spec.to - pick(200) * dayMs;
    await out.balances.row([
      cardId,
      'open',
      balance,
      new Date(earnedAt).toISOString(),
      new Date(earnedAt + 365 * dayMs).toISOString(),
    ]);
    counts.lots += 1;
  }
  const home = pick(spec.stores);
  const times = Array.from({ length: receipts }, () => spec.from + Math.floor(rnd() * span)).sort(
    (a, b) => a - b,
  );
  const history: CardHistory = {
    cardId,
    enrolledAt,
    birthMonthDay: enrolled ? birth.slice(5) : null,
    groups: staff ? ['staff'] : [],
    referredBy: null,
    sales: [],
    returns: [],
  };
  const clock = new CardClock(history);
  const grants = new Set<string>();
  for (let k = 0; k < receipts; k++) {
    const storeN = rnd() < 0.8 ? home : pick(spec.stores);
    const store = `s${storeN}`;
    const till = `${store}-t${pick(spec.tillsPerStore)}`;
    const t = (times[k] as number) + k; // distinct moments per card
    const receiptId = `r${i}-${k}`;
    const lines = linesOf(rnd, Math.max(1, 1 + pick(2 * spec.linesPerReceipt - 1)));
    const saleBase: HistorySale = {
      txnId: `g${i}-${k}`,
      occurredAt: t,
      storeId: store,
      currency: 'RUB',
      spendMinor: 0,
      basketTotalMinor: 0,
      spentPoints: 0,
      earnedPoints: 0,
      earnedReversed: 0,
      bonuses: [],
      lines,
    };
    history.sales.push(saleBase);
    const basket = basketOf(saleBase, lines);
    let card = clock.cardAt(k, spec.policy, grants, balance);
    let q = quote(basket, card, spec.program, new Date(t));
    if (balance >= 100 && rnd() < 0.15 && q.redemption.maxPoints > 0) {
      const spend = q.redemption.maxPoints;
      card = clock.cardAt(k, spec.policy, grants, spend);
      q = quote(basket, card, spec.program, new Date(t), { spendPoints: spend });
    }
    let spent = 0;
    let earned = 0;
    lines.forEach((l, n) => {
      const ql = q.lines[n];
      l.earnedPoints = ql?.earnedPoints ?? 0;
      l.ruleIds = [...new Set(ql?.reasons.map((r) => r.ruleId) ?? [])];
      l.spentPoints = ql?.spentPoints ?? 0;
      l.spentDiscountMinor = ql?.spendDiscountMinor ?? 0;
      spent += l.spentPoints;
      earned += l.earnedPoints;
    });
    const bonuses = q.bonuses.map((b) => ({
      ruleId: b.ruleId,
      kind: b.kind,
      points: b.points,
      grantOnceKey: b.grantOnceKey ?? null,
    }));
    for (const b of bonuses) {
      earned += b.points;
      if (b.grantOnceKey !== null) grants.add(b.grantOnceKey);
    }
    saleBase.spentPoints = spent;
    saleBase.earnedPoints = earned;
    saleBase.spendMinor = lines.reduce((s, l) => s + l.amountMinor - l.spentDiscountMinor, 0);
    saleBase.bonuses = bonuses;
    balance += earned - spent;
    const head = [
      receiptId,
      store,
      till,
      cardId,
      new Date(t).toISOString(),
      `c${storeN}-${pick(20)}`,
      'RUB',
      spec.program.versionId,
    ];
    for (const l of lines)
      await out.sales.row([
        ...head,
        'line',
        l.lineId,
        l.sku,
        l.category,
        l.quantity,
        l.unitPriceMinor,
        l.amountMinor,
        l.discountMinor,
        l.promotions.join(';') || null,
        l.earnedPoints,
        l.ruleIds.join(';') || null,
        l.spentPoints,
        l.spentDiscountMinor,
        null,
        null,
      ]);
    for (const b of bonuses)
      await out.sales.row([
        ...head,
        'bonus',
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        b.points,
        b.ruleId,
        null,
        null,
        b.kind,
        b.grantOnceKey,
      ]);
    counts.receipts += 1;
    counts.lines += lines.length;
    if (rnd() < spec.returnShare) {
      const at = Math.min(spec.to - 1, t + (1 + pick(20 * 24)) * 3_600_000);
      const ret = await returnOf(
        rnd,
        saleBase,
        lines,
        { receiptId, store, till, cardId, at, id: `ret${i}-${k}` },
        out.returns,
      );
      history.returns.push({ saleTxnId: saleBase.txnId, occurredAt: at, spendReversedMinor: ret });
      counts.returns += 1;
    }
  }
}

function linesOf(rnd: () => number, n: number): HistoryLine[] {
  return Array.from({ length: n }, (_, j) => {
    const sku = Math.floor(rnd() ** 2 * skuCount);
    const price = 1_000 + ((sku * 7_919) % 49_000);
    const r = rnd();
    const quantity =
      r < 0.8 ? 1 : r < 0.9 ? 2 + Math.floor(rnd() * 2) : Math.round((0.25 + rnd() * 1.75) * 1000) / 1000;
    const listed = Math.round(quantity * price);
    const discounted = rnd() < 0.15;
    const discount = discounted ? Math.floor(listed / 10) : 0;
    return {
      lineId: String(j + 1),
      sku: `sku-${sku}`,
      category: sku % 40 === 0 ? 'milk' : `cat-${sku % 40}`,
      quantity,
      units: Math.max(1, quantityUnits(quantity)),
      unitPriceMinor: price,
      amountMinor: listed - discount,
      discountMinor: discount,
      promotions: discounted ? ['promo-10'] : [],
      earnedPoints: 0,
      ruleIds: [],
      spentPoints: 0,
      spentDiscountMinor: 0,
      returnedMicro: 0,
    };
  });
}

/** A return of some lines (whole), or of half the money; answers the spend it takes off the sale. */
async function returnOf(
  rnd: () => number,
  sale: HistorySale,
  lines: HistoryLine[],
  r: { receiptId: string; store: string; till: string; cardId: string; at: number; id: string },
  out: Out,
): Promise<number> {
  const settlement = {
    lines: lines.map((l) => ({
      lineId: l.lineId,
      units: l.units,
      earnedPoints: l.earnedPoints,
      spentPoints: l.spentPoints,
      moneyMinor: l.amountMinor - l.spentDiscountMinor,
    })),
    bonusPoints: sale.bonuses.reduce((s, b) => s + b.points, 0),
  };
  const before = {
    units: new Map<string, number>(),
    refundedMinor: 0,
    spendReversedMinor: 0,
    earnedReversed: 0,
    spentRestored: 0,
  };
  const head = [r.id, r.cardId, new Date(r.at).toISOString(), r.receiptId, r.store, r.till];
  const moneyOnly = rnd() < 0.2;
  const returned = moneyOnly
    ? null
    : lines.filter((_, n) => n === 0 || rnd() < 0.3).map((l) => ({ lineId: l.lineId, quantity: l.quantity }));
  const money = settlement.lines.reduce((s, l) => s + l.moneyMinor, 0);
  const refund = moneyOnly ? Math.floor(money / 2) : 0;
  if (moneyOnly && refund === 0) return 0;
  const settled = settleReturn(
    settlement,
    before,
    {
      lines: returned,
      refundMinor: refund,
      spendReversedMinor: refund,
      pointsSettled: false,
      posted: { earnedReversed: 0, spentRestored: 0 },
    },
    sale.spendMinor,
  );
  for (const l of lines) l.returnedMicro = settled.running.units.get(l.lineId) ?? 0;
  sale.earnedReversed = settled.running.earnedReversed;
  if (returned === null) await out.row([...head, null, null, refund]);
  else for (const l of returned) await out.row([...head, l.lineId, l.quantity, null]);
  return settled.spendReversedNow;
}
