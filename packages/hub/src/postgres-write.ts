import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { type BatchRows, balanceRows, journalRows, lotUpserts } from './batch-plan';
import type { ChainFacts } from './chain/chain-facts';
import { overdraftEntry } from './hub-rules';
import { hubTillId } from './hub-store';
import { type HubLot, settleLots } from './lot-settlement';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal';
import { pgChainSql } from './postgres-chain-sql';
import { hubWrite, pgSql, pushWrite } from './postgres-sql';
import { writeValues } from './postgres-write-sql';
import { writeRollupsPg } from './reports/postgres-rollups';

/**
 * A statement prepared once per connection (named by its text), so the hot ingest statements
 * are parsed and planned once, not on every batch.
 */
const statementNames = new Map<string, string>();
export function prepared(
  client: pg.PoolClient,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult> {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tp_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return client.query({ name, text, values });
}

/**
 * Thrown (and the transaction rolled back) when an entry's postings, or its sale fact (a sale
 * without points has no postings), are already held: the push answers `epoch_conflict`.
 */
export class HeldTransaction extends Error {}

const isSaleKeyClash = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  error.code === '23505' &&
  'constraint' in error &&
  /^sale_(fact|line)/.test(String(error.constraint));

/** Moves the change counter by `count` (the writer holds it from here to COMMIT); answers the last number. */
export async function takeNumbers(client: pg.PoolClient, count: number): Promise<number> {
  assert(Number.isSafeInteger(count) && count >= 0, 'a count of feed numbers', { count });
  return Number((await prepared(client, pgSql.takeNumbers, [count])).rows[0]?.value);
}

/** Takes `count` numbers of head office's own entry stream; answers the last one. */
export async function nextHubSeqs(client: pg.PoolClient, count: number): Promise<number> {
  assert(Number.isSafeInteger(count) && count > 0, 'a positive count of hub entry numbers', { count });
  return Number((await prepared(client, pgSql.nextHubSeqs, [count])).rows[0]?.value);
}

/** The balance rows of entries and the postings statement's parameters (array literals). */
export interface PostingsOf {
  rows: Omit<BatchRows, 'journal'>;
  values: string[];
}

/** `balanceRows` and the postings statement's parameters (throws on entries that do not balance). */
export function postingsOf(entries: readonly OutboxEntry[], appliedAt: number): PostingsOf {
  const rows = balanceRows(entries, appliedAt);
  const p = rows.postings;
  return {
    rows,
    values: [
      textArrayLiteral(p.map((r) => r.cardId)),
      textArrayLiteral(p.map((r) => r.txnId)),
      integerArrayLiteral(p.map((r) => r.leg)),
      textArrayLiteral(p.map((r) => r.account)),
      integerArrayLiteral(p.map((r) => r.amount)),
      textArrayLiteral(p.map((r) => r.lotId)),
    ],
  };
}

/** Where written entries go: the store whose card list gains them, their cards' feed numbers, a push's cursor. */
export interface WriteTarget {
  storeId: string;
  numbers: ReadonlyMap<string, number>;
  /** A push moves its till's cursor and writes its chain facts in the same statement. */
  push?: {
    cursor: { tillId: string; epoch: string; lastSeq: number; lastHash: string };
    facts: ChainFacts;
  };
  /** Cards whose pair with the store may be new (default: all of them). */
  pairs?: readonly string[];
}

/** What a write answers: cards left with a lot below zero; for a push, what its chain facts won. */
export interface Written {
  short: string[];
  /** `card\u001fkey` of the grant claims recorded (the others lost to an earlier sale). */
  grantsWon: Set<string>;
  /** Enrolment transactions recorded as their card's. */
  enrolmentsWon: Set<string>;
  /** The batch's cards that hold returns waiting for their sale. */
  pendingCards: string[];
}

/**
 * Writes accepted entries of one stream in two statements: the postings, sent at once, then
 * journal, lots, cards, the store's card list, the change set (and a push's cursor and chain
 * facts) in one, built while the postings go in. A posting already held means its transaction
 * is held: `HeldTransaction` before anything else is sent.
 */
export async function writeEntries(
  client: pg.PoolClient,
  entries: readonly OutboxEntry[],
  now: number,
  target: WriteTarget,
  built?: PostingsOf,
): Promise<Written> {
  const { rows, values: postingValues } = built ?? postingsOf(entries, now);
  const postings = prepared(client, pgSql.postings, postingValues);
  postings.catch(() => undefined);
  const j = journalRows(entries);
  const stream = j[0] as { tillId: string; epoch: string };
  assert(
    j.every((r) => r.tillId === stream.tillId && r.epoch === stream.epoch),
    'a write is one till stream',
  );
  assert(!j.some((r) => r.body.includes('\n')), 'JSON text has no raw newline');
  // New lots and changes to known ones as one upsert, sorted; cards sorted, with their numbers.
  const lots = lotUpserts(rows);
  const cards = [...rows.cardDeltas].sort(([a], [b]) => (a < b ? -1 : 1));
  const numberOf = (cardId: string) => target.numbers.get(cardId) as number;
  assert(
    cards.every(([c]) => Number.isSafeInteger(numberOf(c))),
    'every card written has a feed number',
  );
  const byName: Record<string, unknown> = {
    till: stream.tillId,
    epoch: stream.epoch,
    jCard: textArrayLiteral(j.map((r) => r.cardId)),
    jSeq: integerArrayLiteral(j.map((r) => r.seq)),
    jTxn: textArrayLiteral(j.map((r) => r.txnId)),
    jKind: textArrayLiteral(j.map((r) => r.kind)),
    jAt: integerArrayLiteral(j.map((r) => r.occurredAt)),
    jHash: textArrayLiteral(j.map((r) => r.hash)),
    jBodies: j.map((r) => r.body).join('\n'),
    lCard: textArrayLiteral(lots.map((l) => l.cardId)),
    lLot: textArrayLiteral(lots.map((l) => l.lotId)),
    lInitial: integerArrayLiteral(lots.map((l) => l.initial)),
    lRemaining: integerArrayLiteral(lots.map((l) => l.remaining)),
    lVests: integerArrayLiteral(lots.map((l) => l.vestsAt)),
    lExpires: integerArrayLiteral(lots.map((l) => l.expiresAt)),
    cCard: textArrayLiteral(cards.map(([c]) => c)),
    cDelta: integerArrayLiteral(cards.map(([, d]) => d)),
    cSeq: integerArrayLiteral(cards.map(([c]) => numberOf(c))),
    store: target.storeId,
    pairs: textArrayLiteral(target.pairs ?? cards.map(([c]) => c)),
  };
  const push = target.push;
  if (push) {
    const counters = new Map(push.facts.counters.map((c) => [c.cardId, c]));
    Object.assign(byName, chainFactValues(push.facts), {
      cSpend: integerArrayLiteral(cards.map(([c]) => counters.get(c)?.spendMinor ?? 0)),
      cPurchases: integerArrayLiteral(cards.map(([c]) => counters.get(c)?.purchases ?? 0)),
      lastSeq: push.cursor.lastSeq,
      lastHash: push.cursor.lastHash,
      now,
    });
  }
  const statement = push ? pushWrite : hubWrite;
  const values = writeValues(statement, byName);
  if ((await postings).rowCount !== rows.postings.length) throw new HeldTransaction();
  const result = await prepared(client, statement.text, values).catch((error: unknown) => {
    throw isSaleKeyClash(error)
      ? new HeldTransaction('a sale fact is already held', { cause: error })
      : error;
  });
  const row = result.rows[0] as {
    journal_rows: number;
    short_cards: string[];
    grants_won?: string[];
    enrolments_won?: string[];
    pending_cards?: string[];
  };
  assert(row.journal_rows === j.length, 'every entry written is new to the journal', {
    inserted: row.journal_rows,
    expected: j.length,
  });
  const rollups = writeRollupsPg(client, {
    ...rows,
    storeId: target.storeId,
    journal: j,
    facts: push?.facts,
  });
  rollups.catch(() => undefined);
  if (rows.blocks.size > 0) {
    const blocks = [...rows.blocks];
    await prepared(client, pgSql.blockCards, [blocks.map(([c]) => c), blocks.map(([, b]) => b), now]);
  }
  await rollups;
  return {
    short: row.short_cards,
    grantsWon: new Set(row.grants_won ?? []),
    enrolmentsWon: new Set(row.enrolments_won ?? []),
    pendingCards: row.pending_cards ?? [],
  };
}

/** The chain facts' parameters of the push statement (array literals). */
function chainFactValues(facts: ChainFacts): Record<string, string> {
  const s = facts.sales;
  const l = facts.lines;
  const g = facts.claims;
  const e = facts.enrolments;
  const r = facts.redactions;
  const text = (values: readonly (string | null)[]) => textArrayLiteral(values);
  const int = (values: readonly (number | null)[]) => integerArrayLiteral(values);
  return {
    sCard: text(s.map((x) => x.cardId)),
    sAt: int(s.map((x) => x.occurredAt)),
    sTxn: text(s.map((x) => x.txnId)),
    sSeq: int(s.map((x) => x.seq)),
    sStore: text(s.map((x) => x.storeId)),
    sReceipt: text(s.map((x) => x.receiptId)),
    sCashier: text(s.map((x) => x.cashierId)),
    sCurrency: text(s.map((x) => x.currency)),
    sBasket: int(s.map((x) => x.basketTotalMinor)),
    sSpend: int(s.map((x) => x.spendMinor)),
    sRules: text(s.map((x) => x.rulesVersion)),
    sEarned: int(s.map((x) => x.earnedPoints)),
    sSpent: int(s.map((x) => x.spentPoints)),
    sDiscount: int(s.map((x) => x.spentDiscountMinor)),
    sBonuses: text(s.map((x) => x.bonuses)),
    sBonusPoints: int(s.map((x) => x.bonusPoints)),
    sLines: int(s.map((x) => x.lineCount)),
    slCard: text(l.map((x) => x.cardId)),
    slAt: int(l.map((x) => x.occurredAt)),
    slTxn: text(l.map((x) => x.txnId)),
    slNo: int(l.map((x) => x.lineNo)),
    slLine: text(l.map((x) => x.lineId)),
    slSku: text(l.map((x) => x.sku)),
    slCategory: text(l.map((x) => x.category)),
    slQuantity: int(l.map((x) => x.quantityMicro)),
    slUnit: int(l.map((x) => x.unitPriceMinor)),
    slAmount: int(l.map((x) => x.amountMinor)),
    slDiscount: int(l.map((x) => x.discountMinor)),
    slPromotions: text(l.map((x) => x.promotions)),
    slEarned: int(l.map((x) => x.earnedPoints)),
    slRules: text(l.map((x) => x.ruleIds)),
    slSpent: int(l.map((x) => x.spentPoints)),
    slSpentDiscount: int(l.map((x) => x.spentDiscountMinor)),
    dCard: text(facts.days.map((x) => x.cardId)),
    dDay: int(facts.days.map((x) => x.day)),
    dSpend: int(facts.days.map((x) => x.spendMinor)),
    gCard: text(g.map((x) => x.cardId)),
    gKey: text(g.map((x) => x.grantKey)),
    gTxn: text(g.map((x) => x.txnId)),
    gAt: int(g.map((x) => x.occurredAt)),
    eCard: text(e.map((x) => x.cardId)),
    eTxn: text(e.map((x) => x.txnId)),
    eRef: text(e.map((x) => x.profileRef)),
    eAt: int(e.map((x) => x.occurredAt)),
    eConsent: int(e.map((x) => x.consentAt)),
    rCard: text(r.map((x) => x.cardId)),
    rSeq: int(r.map((x) => x.seq)),
    rField: text(r.map((x) => x.field)),
  };
}

/**
 * Settles the cards a write left with a lot below zero (`settleLots`): what they owe is taken
 * from their real lots, a shortfall is booked to the offline overdraft (a hub entry whose lot
 * is consumed at once) and the card flagged. Answers the points booked.
 */
export async function settleCards(
  client: pg.PoolClient,
  cardIds: readonly string[],
  numbers: ReadonlyMap<string, number>,
  now: number,
): Promise<number> {
  const rows = (await prepared(client, pgSql.lotsOfCards, [cardIds])).rows as (HubLot & {
    card_id: string;
  })[];
  const lotsOf = new Map<string, HubLot[]>(cardIds.map((c) => [c, []]));
  for (const row of rows) lotsOf.get(row.card_id)?.push(row);
  const updates: { cardId: string; lotId: string; remaining: number }[] = [];
  const short: { cardId: string; shortfall: number }[] = [];
  for (const [cardId, lots] of lotsOf) {
    const settled = settleLots(lots, now);
    for (const [lotId, remaining] of settled.remaining) updates.push({ cardId, lotId, remaining });
    if (settled.shortfall > 0) short.push({ cardId, shortfall: settled.shortfall });
  }
  if (short.length > 0) {
    const last = await nextHubSeqs(client, short.length);
    const entries = short.map((s, i) =>
      overdraftEntry({ cardId: s.cardId, shortfall: s.shortfall, hubSeq: last - short.length + 1 + i, now }),
    );
    await writeEntries(client, entries, now, { storeId: hubTillId, numbers });
    await prepared(client, pgChainSql.addFlags, [
      entries.map((entry) => entry.cardId),
      entries.map((entry) => entry.txnId),
      entries.map(() => 'offline_overdraft'),
      entries.map((entry) => JSON.stringify({ shortfall: entry.postings[0]?.amount })),
      now,
    ]);
    // The overdraft lot covers what was owed at once: the card is back at zero, not above it.
    for (const entry of entries)
      updates.push({ cardId: entry.cardId, lotId: entry.newLots[0]?.lotId as string, remaining: 0 });
  }
  if (updates.length > 0)
    await prepared(client, pgSql.setLots, [
      updates.map((u) => u.cardId),
      updates.map((u) => u.lotId),
      updates.map((u) => u.remaining),
    ]);
  if (short.length === 0) return 0;
  await prepared(client, pgSql.bookOverdrafts, [short.map((s) => s.cardId), short.map((s) => s.shortfall)]);
  return short.reduce((sum, s) => sum + s.shortfall, 0);
}
