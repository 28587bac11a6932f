import { type BatchRows, batchRows } from './batch-plan';
import type { ChainFacts } from './chain/chain-facts';
import type { CardFlag } from './chain/chain-plan';
import { overdraftEntry } from './hub-rules';
import { hubTillId } from './hub-store';
import { type HubLot, settleLots } from './lot-settlement';
import type { MultiRowInsert } from './multi-row-insert';
import { feedNumbers } from './pull-plan';
import type { SqliteRollups } from './reports/sqlite-rollups';
import { ingestChainFacts } from './sqlite-chain-ingest';
import type { ChainStatements } from './sqlite-chain-statements';
import type { HubStatements } from './sqlite-statements';

/**
 * Thrown inside a push's transaction (rolling it back) when its postings, or its sale facts (a
 * sale without points has no postings), are already held: the store answers `epoch_conflict`.
 */
export class HeldTransaction extends Error {}

const isKeyClash = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

/**
 * The SQLite hub's writes of entries, inside the caller's transaction (better-sqlite3: no await):
 * a push's rows and chain facts, head office's own entries, lots settled against the card's real
 * lots, review flags, feed numbers.
 */
export class SqliteBatchWriter {
  constructor(
    readonly sql: HubStatements,
    readonly chainSql: ChainStatements,
    readonly insert: MultiRowInsert,
    readonly chain: { lookupKey: string; returnLotLifetimeMs: number },
    readonly rollups: SqliteRollups,
  ) {}

  /**
   * Journal, postings, lots, card projection, the store's card list and blocks of accepted
   * entries; each card gets a feed number of its own. Then the chain facts (sales, grants,
   * enrolments, returns: `planChain`) and head office's own entries they call for. Lots left below
   * zero are settled against the card's real lots; a shortfall is booked to the offline
   * overdraft. Answers the points booked.
   */
  writeRows(rows: BatchRows, facts: ChainFacts, storeId: string, now: number): number {
    const cards = [...rows.cardDeltas.keys()].sort();
    const numbers = feedNumbers(cards, this.sql.takeNumbers.get(cards.length) as number);
    this.insert.journal(rows.journal);
    if (this.insert.postings(rows.postings) !== rows.postings.length) throw new HeldTransaction();
    const short = this.applyBalances(rows, storeId, numbers, facts);
    for (const [cardId, blocked] of rows.blocks) this.sql.blockCard.run(blocked ? 1 : 0, now, cardId);
    let plan: ReturnType<typeof ingestChainFacts>;
    try {
      plan = ingestChainFacts(this.chainSql, this.insert, facts, {
        now,
        lookupKey: this.chain.lookupKey,
        returnLotLifetimeMs: this.chain.returnLotLifetimeMs,
      });
    } catch (error) {
      if (isKeyClash(error)) throw new HeldTransaction('a sale fact is already held', { cause: error });
      throw error;
    }
    if (plan.hubEntries.length > 0) {
      const entries = plan.hubEntries.map((build) => build(this.nextHubSeq()));
      const hubRows = batchRows(entries, now);
      for (const cardId of this.applyBalances(hubRows, hubTillId, numbers)) short.add(cardId);
      this.insert.journal(hubRows.journal);
      this.insert.postings(hubRows.postings);
    }
    for (const flag of plan.flags) this.#flag(flag, now);
    let booked = 0;
    for (const cardId of [...short].sort())
      booked += this.#settle(cardId, numbers.get(cardId) as number, now);
    return booked;
  }

  #flag(flag: CardFlag, now: number): void {
    this.chainSql.addFlag.run(flag.cardId, flag.flagId, flag.reason, flag.detail, now);
    this.chainSql.flagCard.run(flag.cardId);
  }

  /**
   * Lots, cards, the store's card list and the report rollups (a push's with its chain facts);
   * answers the cards with a lot now below zero.
   */
  applyBalances(
    rows: BatchRows,
    storeId: string,
    numbers: Map<string, number>,
    facts?: ChainFacts,
  ): Set<string> {
    const counters = new Map(facts?.counters.map((c) => [c.cardId, c]));
    this.insert.newLots(rows.newLots);
    const short = new Set<string>();
    for (const [lotId, { cardId, delta }] of rows.lotDeltas) {
      // A lot the hub has never seen (spent from a snapshot) starts as an always-vested lot.
      const left =
        delta >= 0
          ? this.sql.lotAdd.run(delta, cardId, lotId).changes === 1
            ? delta
            : undefined
          : (this.sql.lotTake.get(delta, cardId, lotId) as number | undefined);
      if (left === undefined) this.sql.unknownLot.run(cardId, lotId, delta);
      if ((left ?? delta) < 0) short.add(cardId);
    }
    this.insert.cards(
      [...rows.cardDeltas].map(([cardId, delta]) => ({
        cardId,
        delta,
        seq: numbers.get(cardId) as number,
        spendMinor: counters.get(cardId)?.spendMinor ?? 0,
        purchases: counters.get(cardId)?.purchases ?? 0,
      })),
    );
    this.insert.cardStores(storeId, [...rows.cardDeltas.keys()]);
    this.rollups.add({ storeId, ...rows, facts });
    return short;
  }

  /** Takes what the card's lots below zero owe from its real lots; books the rest as overdraft. */
  #settle(cardId: string, seq: number, now: number): number {
    const settled = settleLots(this.sql.cardLots.all(cardId) as HubLot[], now);
    for (const [lotId, remaining] of settled.remaining)
      this.sql.setLotRemaining.run(remaining, cardId, lotId);
    if (settled.shortfall === 0) return 0;
    const entry = overdraftEntry({ cardId, shortfall: settled.shortfall, hubSeq: this.nextHubSeq(), now });
    const rows = batchRows([entry], now);
    this.applyBalances(rows, hubTillId, new Map([[cardId, seq]]));
    this.insert.journal(rows.journal);
    this.insert.postings(rows.postings);
    // The overdraft lot covers what was owed at once: the card is back at zero, not above it.
    this.sql.setLotRemaining.run(0, cardId, entry.newLots[0]?.lotId);
    this.sql.bookOverdraft.run(settled.shortfall, cardId);
    this.#flag(
      {
        cardId,
        flagId: entry.txnId,
        reason: 'offline_overdraft',
        detail: JSON.stringify({ shortfall: settled.shortfall }),
      },
      now,
    );
    return settled.shortfall;
  }

  nextHubSeq(): number {
    return this.sql.nextHubSeq.get() as number;
  }

  /** Gives each card a new feed number (its figure changed for some till). */
  renumber(cardIds: readonly string[]): void {
    if (cardIds.length === 0) return;
    const numbers = feedNumbers(cardIds, this.sql.takeNumbers.get(cardIds.length) as number);
    for (const [cardId, seq] of numbers) this.sql.renumberCard.run(seq, cardId);
  }
}
