import { assert } from '@tillpoint/core';
import type pg from 'pg';
import type { PostgresTransactions } from './postgres-transactions';
import { cardOrder, rowsPerStatement, valuesInsert } from './postgres-values';
import { feedNumbers } from './pull-plan';

/**
 * The change feed on PostgreSQL, numbered after commit.
 *
 * Writers (pushes, jobs, head office) never take a feed number and share no row: each inserts a
 * `feed_change` row per card it changed, in its own transaction (card-keyed: on Citus the row
 * lives on its card's shard and commits with the card's rows). The **numbering** runs on its
 * own, one run at a time (it holds the row `meta.feed_assigned`): it takes away the
 * `feed_change` rows it can see — exactly those whose writers have committed —, gives each of
 * their cards the next feed number in `card_feed`, commits, and only then **publishes** the new
 * head (`meta.feed_published`) in a transaction of its own. Pulls read up to the published head.
 *
 * Why a pull never skips a change: a number is given only to a change already committed, and
 * every number is above every number given before; the head is published only after the
 * numbering's COMMIT returned (on Citus: committed on every node), so a pull that reads up to it
 * sees each card numbered up to it, with a figure that includes the change. A change that
 * commits late (another connection, another node) is still waiting in `feed_change` and gets a
 * number above every cursor already handed out.
 */
export const feedSql = {
  /** The numbering's lock, first in every run; the run also publishes the head the previous run gave. */
  openRun: `BEGIN;
    UPDATE meta SET value = value WHERE key = 'feed_assigned' RETURNING value;
    UPDATE meta SET value = GREATEST(value, (SELECT value FROM meta WHERE key = 'feed_assigned'))
      WHERE key = 'feed_published'`,
  state: "SELECT key, value FROM meta WHERE key IN ('feed_assigned', 'feed_published')",
  anyChange: 'SELECT card_id FROM feed_change LIMIT 1',
  waitingCards: 'SELECT DISTINCT card_id FROM feed_change ORDER BY card_id LIMIT $1',
  /** What a run numbers: the rows it takes away (RETURNING tells exactly which: one snapshot). */
  takeChanges: 'DELETE FROM feed_change WHERE card_id = ANY($1::text[]) RETURNING card_id, block',
  setAssigned: "UPDATE meta SET value = $1 WHERE key = 'feed_assigned'",
  /** After the run's COMMIT returned; not waited for on disk (a lost publication is redone by the next run). */
  publish: `BEGIN; SET LOCAL synchronous_commit TO OFF;
    UPDATE meta SET value = GREATEST(value, $PUBLISHED) WHERE key = 'feed_published'; COMMIT`,
  /** A write's changed cards, waiting for the numbering (each writer, in its own transaction). */
  noteChanges: 'INSERT INTO feed_change (card_id, block) SELECT * FROM unnest($1::text[], $2::boolean[])',
} as const;

/** The numbers of `card_feed` rows written by one statement. */
export function cardFeedUpsert(rows: readonly { cardId: string; seq: number; block: boolean }[]) {
  return valuesInsert(
    'card_feed',
    ['card_id', 'seq', 'block_seq'],
    rows.map((r) => [r.cardId, r.seq, r.block ? r.seq : 0]),
    `ON CONFLICT (card_id) DO UPDATE SET seq = excluded.seq,
      block_seq = CASE WHEN excluded.block_seq > 0 THEN excluded.block_seq ELSE card_feed.block_seq END`,
  );
}

/** The cards of `feed_change` rows taken away: each once, blocked if any row says so, in card order. */
export function changedCards(rows: readonly { card_id: string; block: boolean }[]): {
  cards: string[];
  blocks: Set<string>;
} {
  const blocks = new Set<string>();
  const cards = new Set<string>();
  for (const row of rows) {
    cards.add(row.card_id);
    if (row.block) blocks.add(row.card_id);
  }
  return { cards: [...cards].sort(cardOrder), blocks };
}

/** Inserts the rows telling the numbering that these cards changed (a block change for `blocked`). */
export async function noteChanges(
  client: pg.PoolClient | pg.Client,
  cards: readonly string[],
  blocked: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (cards.length === 0) return;
  await client.query(feedSql.noteChanges, [cards, cards.map((c) => blocked.has(c))]);
}

/** The numbering of one run, inside its transaction after `openRun`: answers the new assigned head. */
async function numberWaiting(client: pg.PoolClient, assigned: number, cardsMax: number): Promise<number> {
  let head = assigned;
  for (;;) {
    const waiting = (await client.query(feedSql.waitingCards, [cardsMax])).rows as { card_id: string }[];
    if (waiting.length === 0) return head;
    const taken = (await client.query(feedSql.takeChanges, [waiting.map((r) => r.card_id)])).rows as {
      card_id: string;
      block: boolean;
    }[];
    const { cards, blocks } = changedCards(taken);
    const numbers = feedNumbers(cards, head + cards.length);
    const rows = cards.map((cardId) => ({
      cardId,
      seq: numbers.get(cardId) as number,
      block: blocks.has(cardId),
    }));
    for (let i = 0; i < rows.length; i += rowsPerStatement(3)) {
      const upsert = cardFeedUpsert(rows.slice(i, i + rowsPerStatement(3)));
      await client.query(upsert.text, upsert.values);
    }
    head += cards.length;
    if (waiting.length < cardsMax) return head;
  }
}

/**
 * Runs the numbering: one run at a time in this process, each started by `settle()`; a run that
 * finds nothing waiting and the head published costs two reads and no write.
 */
export class FeedNumbering {
  #tail: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;

  constructor(
    readonly db: PostgresTransactions,
    readonly cardsPerRun = 50_000,
  ) {
    assert(Number.isSafeInteger(cardsPerRun) && cardsPerRun > 0, 'cardsPerRun is a positive integer');
  }

  /**
   * Resolves once a run that started after this call has numbered every change committed before
   * it and published the head (callers waiting at once share one run). A pull calls it first.
   */
  settle(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    const run = this.#tail
      .catch(() => undefined)
      .then(() => {
        this.#queued = null;
        return this.#runIfWaiting();
      });
    this.#queued = run;
    this.#tail = run;
    return run;
  }

  async #runIfWaiting(): Promise<void> {
    const [state, waiting] = (await this.db.run('reading the change feed', () =>
      this.db.pool.query(`${feedSql.state}; ${feedSql.anyChange}`),
    )) as unknown as pg.QueryResult[];
    const heads = new Map(
      ((state?.rows ?? []) as { key: string; value: number }[]).map((r) => [r.key, Number(r.value)]),
    );
    if ((waiting?.rows.length ?? 0) === 0 && heads.get('feed_assigned') === heads.get('feed_published'))
      return;
    await this.numbered('numbering the change feed', async () => ({ value: undefined, used: 0 }));
  }

  /**
   * One run in a transaction of its own: the lock, `first` (which may take the next `used`
   * numbers for itself: a rule set), then every card change waiting; the head is published once
   * COMMIT returned. A failed publication never fails the caller: the next run publishes it.
   */
  numbered<T>(
    doing: string,
    first: (client: pg.PoolClient, next: number) => Promise<{ value: T; used: number }>,
  ): Promise<T> {
    return this.db.connected(doing, async (client) => {
      const opened = (await client.query(feedSql.openRun)) as unknown as pg.QueryResult[];
      const assigned = Number(opened[1]?.rows[0]?.value);
      assert(Number.isSafeInteger(assigned), 'the feed has an assigned head');
      const { value, used } = await first(client, assigned + 1);
      const head = await numberWaiting(client, assigned + used, this.cardsPerRun);
      if (head > assigned) await client.query(feedSql.setAssigned, [head]);
      await client.query('COMMIT');
      await client
        .query(feedSql.publish.replace('$PUBLISHED', String(Math.trunc(head))))
        .catch(() => client.query('ROLLBACK').catch(() => undefined));
      return value;
    });
  }
}
