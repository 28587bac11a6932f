import { assert } from '@tillpoint/core';
import {
  type BalanceSnapshot,
  type BlocklistChange,
  type CardStateSnapshot,
  type OfflineLimits,
  ruleSetTargetSchema,
  type SignedRuleSet,
  signedRuleSetSchema,
  syncCardCapsMax,
  syncPullItemsMax,
  syncPullRuleSetsMax,
} from '@tillpoint/protocol';
import type { CardState, ChangesPage, PublishedRuleSet, StoreLimits } from './hub-store';
import { HubStoreError } from './hub-store-error';
import { audienceAfter } from './rule-rollout';

/**
 * What a pull sends, decided from rows the stores read (pure; both stores call it).
 *
 * **The change feed.** Every item of the feed has its own number from one counter: a card's
 * new figure (each card a write changes gets a number of its own), a block change, a rule
 * set. A card carries the number of its latest change, so it is sent once, with its latest
 * figure. A page holds the items numbered in `(cursor, end]`, and its cursor is `end`: every
 * part of the feed (card snapshots, blocklist, rule sets) is cut at the same number, so no part
 * can skip an item the next page would not bring. Each part is read with one row more than it
 * may send (`feedReads`); when that extra row exists, `end` stops before its number, so no
 * part passes its bound and nothing is cut off behind the cursor. Numbers are unique within a
 * part, so every page makes progress. Items numbered after the published head (PostgreSQL: a
 * write not yet committed everywhere) wait for a later page.
 */
export interface FeedRow {
  seq: number;
}

export interface FeedPage<B extends FeedRow, K extends FeedRow, R extends FeedRow> {
  cursor: number;
  more: boolean;
  balances: B[];
  blocklist: K[];
  ruleSets: R[];
}

/**
 * Feed numbers for the items of one write, in the given order: the counter was moved by
 * `ids.length` to `last` (so the numbers are `last − n + 1 … last`).
 */
export function feedNumbers(ids: readonly string[], last: number): Map<string, number> {
  assert(Number.isSafeInteger(last) && last >= ids.length, 'the counter moved past the new numbers', {
    last,
    items: ids.length,
  });
  const first = last - ids.length + 1;
  return new Map(ids.map((id, i) => [id, first + i]));
}

/**
 * How many rows a pull of `limit` reads of each part: one more than it may send (card
 * snapshots and blocklist changes: `limit`; rule sets: `syncPullRuleSetsMax`; per-card caps:
 * all of them, at most `syncCardCapsMax`).
 */
export function feedReads(limit: number): { cards: number; blocks: number; ruleSets: number; caps: number } {
  assert(Number.isSafeInteger(limit) && limit > 0 && limit <= syncPullItemsMax, 'a pull limit in 1..max', {
    limit,
  });
  return {
    cards: limit + 1,
    blocks: limit + 1,
    ruleSets: syncPullRuleSetsMax + 1,
    caps: syncCardCapsMax + 1,
  };
}

export function planFeedPage<B extends FeedRow, K extends FeedRow, R extends FeedRow>(input: {
  cursor: number;
  /** The published head: the last number whose writes every reader sees. */
  head: number;
  limit: number;
  /** Rows numbered in (cursor, head], ascending, at most `feedReads(limit).cards` (`.blocks`). */
  balances: readonly B[];
  blocklist: readonly K[];
  /** At most `feedReads(limit).ruleSets`. */
  ruleSets: readonly R[];
}): FeedPage<B, K, R> {
  const { cursor, head } = input;
  if (head <= cursor) return { cursor, more: false, balances: [], blocklist: [], ruleSets: [] };
  let end = head;
  for (const [rows, sendMax] of [
    [input.balances, input.limit],
    [input.blocklist, input.limit],
    [input.ruleSets, syncPullRuleSetsMax],
  ] as const) {
    assert(rows.length <= sendMax + 1, 'a part of the feed is read with at most one extra row', {
      rows: rows.length,
      sendMax,
    });
    let previous = cursor;
    for (const row of rows) {
      assert(row.seq > previous && row.seq <= head, 'feed rows ascend within (cursor, head], one a number', {
        seq: row.seq,
        previous,
        head,
      });
      previous = row.seq;
    }
    const extra = rows[sendMax];
    if (extra !== undefined) end = Math.min(end, extra.seq - 1);
  }
  assert(end > cursor, 'a page makes progress', { cursor, end });
  const upTo = <T extends FeedRow>(rows: readonly T[]) => rows.filter((row) => row.seq <= end);
  return {
    cursor: end,
    more: end < head,
    balances: upTo(input.balances),
    blocklist: upTo(input.blocklist),
    ruleSets: upTo(input.ruleSets),
  };
}

/** A card as both stores read it: the projection, and its lots' pending and expired points at `now`. */
export interface CardFigures extends FeedRow {
  cardId: string;
  /** Member points (available + pending + expired but not yet posted). */
  points: number;
  pending: number;
  expired: number;
  overdraft: number;
  blocked: boolean;
  flagged: boolean;
}

/** Head office's figure for a card: spendable = points − pending − expired (not yet posted). */
export function cardSnapshot(card: CardFigures): BalanceSnapshot {
  return {
    cardId: card.cardId,
    available: card.points - card.pending - card.expired,
    pending: card.pending,
    blocked: card.blocked,
    flagged: card.flagged,
  };
}

export function cardState(card: CardFigures, flagReasons: readonly string[] = []): CardState {
  return {
    ...cardSnapshot(card),
    points: card.points,
    overdraft: card.overdraft,
    flagReasons: [...flagReasons],
  };
}

export interface BlockRow extends FeedRow {
  cardId: string;
  blocked: boolean;
  changedAt: number;
}

export function blocklistChange(row: BlockRow): BlocklistChange {
  return { cardId: row.cardId, blocked: row.blocked, changedAt: row.changedAt };
}

/** A rule set as the pull reads it: `target` is the signed target as JSON (null: every store). */
export interface RuleSetRow extends FeedRow, Omit<SignedRuleSet, 'target'> {
  target: string | null;
}

export function signedRuleSet(row: RuleSetRow): SignedRuleSet {
  return {
    version: row.version,
    effectiveFrom: row.effectiveFrom,
    ruleSetJson: row.ruleSetJson,
    ...(row.target === null ? {} : { target: ruleSetTargetSchema.parse(JSON.parse(row.target)) }),
    signature: row.signature,
  };
}

/** A `rule_set` row as the statements read it. */
export interface RuleSetRecord {
  version: string;
  effectiveFrom: number;
  ruleSetJson: string;
  target: string | null;
  signature: string;
  publishedAt: number | null;
  rollsBack: string | null;
}

/** A row read back: checked with the schema the tills use (assert data right after it is read). */
export function publishedRuleSet(row: RuleSetRecord): PublishedRuleSet {
  const signed = signedRuleSetSchema.parse({
    version: row.version,
    effectiveFrom: Number(row.effectiveFrom),
    ruleSetJson: row.ruleSetJson,
    ...(row.target === null ? {} : { target: JSON.parse(row.target) }),
    signature: row.signature,
  });
  return {
    ...signed,
    publishedAt: row.publishedAt === null ? null : Number(row.publishedAt),
    rollsBack: row.rollsBack,
  };
}

/**
 * The values of a new `rule_set` row, in column order (seq, version, effective_from,
 * rule_set_json, signature, target, audience, published_at, rolls_back): both stores insert these.
 */
export function ruleSetRowValues(
  seq: number,
  ruleSet: SignedRuleSet,
  publication: { publishedAt: number; rollsBack?: string } | undefined,
): unknown[] {
  const target = ruleSet.target;
  const audience = audienceAfter(null, target);
  return [
    seq,
    ruleSet.version,
    ruleSet.effectiveFrom,
    ruleSet.ruleSetJson,
    ruleSet.signature,
    target === undefined ? null : JSON.stringify(target),
    audience === null ? null : JSON.stringify(audience),
    publication?.publishedAt ?? null,
    publication?.rollsBack ?? null,
  ];
}

/** Until head office sets a store's limits: one hour of sync age, 1 000 points a card, 20 000 a store. */
export const defaultStoreLimits: StoreLimits = {
  maxSyncAgeMs: 3_600_000,
  perCardCap: 1_000,
  storeTotalCap: 20_000,
};

/** Each till's share of its store's offline cap (tills cannot see each other offline). */
export function tillShare(storeTotalCap: number, tills: number): number {
  assert(Number.isSafeInteger(storeTotalCap) && storeTotalCap >= 0, 'a cap is a non-negative integer');
  return tills <= 0 ? 0 : Math.floor(storeTotalCap / tills);
}

/**
 * The limits sent with every page: the store's (or the defaults), each till's share of the
 * store cap, and every per-card cap of the store's cards (read with `feedReads(limit).caps`; head
 * office keeps at most `syncCardCapsMax`, so a longer list is a database edited by hand).
 */
export function offlineLimits(
  stored: StoreLimits | undefined,
  tills: number,
  caps: readonly { cardId: string; cap: number }[],
): OfflineLimits {
  if (caps.length > syncCardCapsMax)
    throw new HubStoreError(
      'limit_reached',
      `more than ${syncCardCapsMax} per-card offline caps apply to one store: clear some (tillpoint-hub card-cap --clear) so tills can be sent all of them`,
    );
  const limits = stored ?? defaultStoreLimits;
  return {
    maxSyncAgeMs: limits.maxSyncAgeMs,
    perCardCap: limits.perCardCap,
    tillTotalCap: tillShare(limits.storeTotalCap, tills),
    cards: caps.map((c) => ({ cardId: c.cardId, cap: c.cap })),
  };
}

/** What a store read for one pull (each part with `feedReads(limit)` rows at most), in one snapshot. */
export interface PullReads {
  cursor: number;
  /** The published head (SQLite: the counter). */
  head: number;
  limit: number;
  cards: readonly CardFigures[];
  blocks: readonly BlockRow[];
  ruleSets: readonly RuleSetRow[];
  watermark: { epoch: string; last_seq: number } | undefined;
  storeLimits: StoreLimits | undefined;
  tills: number;
  caps: readonly { cardId: string; cap: number }[];
}

/** The page a till is sent: the feed cut at one number (`planFeedPage`), its watermark, the store's limits. */
export function changesPage(reads: PullReads): ChangesPage {
  const page = planFeedPage({
    cursor: reads.cursor,
    head: reads.head,
    limit: reads.limit,
    balances: reads.cards,
    blocklist: reads.blocks,
    ruleSets: reads.ruleSets,
  });
  return {
    cursor: page.cursor,
    more: page.more,
    watermark: { epoch: reads.watermark?.epoch ?? null, seq: Number(reads.watermark?.last_seq ?? 0) },
    balances: page.balances.map(cardSnapshot),
    blocklist: page.blocklist.map(blocklistChange),
    ruleSets: page.ruleSets.map(signedRuleSet),
    limits: offlineLimits(reads.storeLimits, reads.tills, reads.caps),
  };
}

/**
 * A `version=2` page: each balance with its card's state (read in the same snapshot), and the
 * chain's phone lookup key. A card whose state was not read is sent as in `version=1`.
 */
export function withCardStates(
  page: ChangesPage,
  states: ReadonlyMap<string, CardStateSnapshot>,
  phoneLookupKey: string,
): ChangesPage {
  return {
    ...page,
    balances: page.balances.map((balance) => {
      const card = states.get(balance.cardId);
      return card === undefined ? balance : { ...balance, card };
    }),
    phoneLookupKey,
  };
}
