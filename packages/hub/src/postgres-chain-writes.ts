import type pg from 'pg';
import type { ConflictWrite } from './chain/chain-plan';
import { pgChainSql } from './postgres-chain-sql';
import { cardOrder, valuesInsert } from './postgres-values';

/**
 * The chain's card-keyed writes on PostgreSQL, each as Citus runs it without pulling rows through
 * the coordinator or locking whole shards: upserts and insert-or-ignore as multi-row VALUES in
 * card order (`postgres-values.ts`), updates of existing rows one card at a time (every table of
 * the statement filtered by `card_id`: one shard). Tables are written in one order by every writer
 * that does not hold the cards' rows: `enrol_conflict`, then `card_profile`.
 */
type Client = pg.PoolClient | pg.Client;

const run = async (client: Client, statement: { text: string; values: unknown[] }) =>
  (await client.query(statement.text, statement.values)).rows;

/** An enrolment conflict as the chain plan writes it. */
export type ConflictRow = ConflictWrite;

/** Second enrolments (and their phones) kept as conflicts; one row a (card, ref). */
export async function addConflicts(client: Client, rows: readonly ConflictRow[]): Promise<void> {
  if (rows.length === 0) return;
  const unique = [...new Map(rows.map((x) => [`${x.cardId}\u0000${x.profileRef}`, x])).values()].sort(
    (a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.profileRef, b.profileRef),
  );
  await run(
    client,
    valuesInsert(
      'enrol_conflict',
      ['card_id', 'profile_ref', 'txn_id', 'till_id', 'phone', 'consent_at', 'at'],
      unique.map((x) => [x.cardId, x.profileRef, x.txnId, x.tillId, x.phone, x.consentAt, x.at]),
      `ON CONFLICT (card_id, profile_ref) DO UPDATE SET txn_id = COALESCE(enrol_conflict.txn_id, excluded.txn_id),
      phone = COALESCE(excluded.phone, enrol_conflict.phone), consent_at = COALESCE(excluded.consent_at, enrol_conflict.consent_at)`,
    ),
  );
}

/** Phone, ref and consent of the cards' profiles (the last row of a card wins); name and birth date stay. */
export async function putPhones(
  client: Client,
  rows: readonly {
    cardId: string;
    profileRef: string | null;
    phone: string | null;
    phoneHash: string | null;
    consentAt: number | null;
  }[],
  now: number,
): Promise<void> {
  if (rows.length === 0) return;
  const last = [...new Map(rows.map((x) => [x.cardId, x])).values()].sort((a, b) =>
    cardOrder(a.cardId, b.cardId),
  );
  await run(
    client,
    valuesInsert(
      'card_profile',
      ['card_id', 'profile_ref', 'phone', 'phone_hash', 'consent_at', 'updated_at'],
      last.map((x) => [x.cardId, x.profileRef, x.phone, x.phoneHash, x.consentAt, now]),
      `ON CONFLICT (card_id) DO UPDATE SET profile_ref = excluded.profile_ref, phone = excluded.phone,
      phone_hash = excluded.phone_hash, consent_at = excluded.consent_at, updated_at = excluded.updated_at`,
    ),
  );
}

/** Groups and referred-by of cards (one row a card). */
export async function putTraits(
  client: Client,
  rows: readonly { cardId: string; groups: string; referredBy: string | null }[],
  now: number,
): Promise<void> {
  if (rows.length === 0) return;
  await run(
    client,
    valuesInsert(
      'card_traits',
      ['card_id', 'groups', 'referred_by', 'updated_at'],
      [...rows]
        .sort((a, b) => cardOrder(a.cardId, b.cardId))
        .map((x) => [x.cardId, x.groups, x.referredBy, now]),
      `ON CONFLICT (card_id) DO UPDATE SET groups = excluded.groups, referred_by = excluded.referred_by,
      updated_at = excluded.updated_at`,
    ),
  );
}

/** Spend added to cards' days (summed by the caller: one row a card and day). */
export async function addDaySpend(
  client: Client,
  rows: readonly { cardId: string; day: number; spendMinor: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await run(
    client,
    valuesInsert(
      'card_day',
      ['card_id', 'day', 'spend_minor'],
      [...rows]
        .sort((a, b) => cardOrder(a.cardId, b.cardId) || a.day - b.day)
        .map((x) => [x.cardId, x.day, x.spendMinor]),
      'ON CONFLICT (card_id, day) DO UPDATE SET spend_minor = card_day.spend_minor + excluded.spend_minor',
    ),
  );
}

export interface PendingRow {
  cardId: string;
  txnId: string;
  receiptId: string;
  originTillId: string | null;
  originTxnId: string | null;
  fact: string;
  earnedPosted: number;
  spentPosted: number;
}

/** Returns waiting for their sale; answers the card of each row added (a row held already adds nothing). */
export async function addPending(
  client: Client,
  rows: readonly PendingRow[],
  now: number,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const added = await run(
    client,
    valuesInsert(
      'return_pending',
      [
        'card_id',
        'txn_id',
        'receipt_id',
        'origin_till_id',
        'origin_txn_id',
        'fact',
        'earned_posted',
        'spent_posted',
        'at',
      ],
      [...rows]
        .sort((a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.txnId, b.txnId))
        .map((x) => [
          x.cardId,
          x.txnId,
          x.receiptId,
          x.originTillId,
          x.originTxnId,
          x.fact,
          x.earnedPosted,
          x.spentPosted,
          now,
        ]),
      'ON CONFLICT DO NOTHING RETURNING card_id',
    ),
  );
  return (added as { card_id: string }[]).map((r) => r.card_id);
}

/** Returns settled at last, card by card (one shard each); answers the card of each row removed. */
export async function dropPending(
  client: Client,
  rows: readonly { cardId: string; txnId: string }[],
): Promise<string[]> {
  const byCard = new Map<string, string[]>();
  for (const r of rows) byCard.set(r.cardId, [...(byCard.get(r.cardId) ?? []), r.txnId]);
  const out: string[] = [];
  for (const cardId of [...byCard.keys()].sort(cardOrder)) {
    const removed = (await client.query(pgChainSql.dropPending, [cardId, byCard.get(cardId)])).rows as {
      card_id: string;
    }[];
    out.push(...removed.map((r) => r.card_id));
  }
  return out;
}

export interface SaleRunning {
  cardId: string;
  occurredAt: number;
  txnId: string;
  running: {
    refundedMinor: number;
    spendReversedMinor: number;
    earnedReversed: number;
    spentRestored: number;
  };
  /** Units returned so far, by line number. */
  lines: readonly { lineNo: number; returnedMicro: number }[];
}

/** What came back of sales so far (the sale's row and its lines), sale by sale: one shard each. */
export async function setSalesRunning(client: Client, sales: readonly SaleRunning[]): Promise<void> {
  const ordered = [...sales].sort((a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.txnId, b.txnId));
  for (const s of ordered) {
    await client.query(pgChainSql.setSaleRunning, [
      s.cardId,
      s.occurredAt,
      s.txnId,
      s.running.refundedMinor,
      s.running.spendReversedMinor,
      s.running.earnedReversed,
      s.running.spentRestored,
    ]);
    if (s.lines.length > 0)
      await client.query(pgChainSql.setLinesReturned, [
        s.cardId,
        s.occurredAt,
        s.txnId,
        s.lines.map((l) => l.lineNo),
        s.lines.map((l) => l.returnedMicro),
      ]);
  }
}

/** Journal redaction notes of one card's entries. */
export async function addRedactions(
  client: Client,
  cardId: string,
  entries: readonly { tillId: string; epoch: string; seq: number }[],
  now: number,
): Promise<void> {
  if (entries.length === 0) return;
  await run(
    client,
    valuesInsert(
      'journal_redaction',
      ['card_id', 'till_id', 'epoch', 'seq', 'field', 'redacted_at'],
      entries.map((e) => [cardId, e.tillId, e.epoch, e.seq, 'detail.phone', now]),
      'ON CONFLICT DO NOTHING',
    ),
  );
}

/** Profile refs of one card recorded as erased. */
export async function eraseRefs(client: Client, cardId: string, refs: readonly string[]): Promise<void> {
  if (refs.length === 0) return;
  await run(
    client,
    valuesInsert(
      'erased_profile_ref',
      ['card_id', 'profile_ref'],
      [...refs].sort(cardOrder).map((r) => [cardId, r]),
      'ON CONFLICT DO NOTHING',
    ),
  );
}

/** Phone hashes of profiles that had none (at open); the rows exist. */
export async function setPhoneHashes(
  client: Client,
  rows: readonly { cardId: string; phoneHash: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await run(
    client,
    valuesInsert(
      'card_profile',
      ['card_id', 'phone_hash', 'updated_at'],
      [...rows].sort((a, b) => cardOrder(a.cardId, b.cardId)).map((x) => [x.cardId, x.phoneHash, 0]),
      'ON CONFLICT (card_id) DO UPDATE SET phone_hash = excluded.phone_hash',
    ),
  );
}
