import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { appliedOutcome, checkChain, emptyCursor, epochConflict, planBatch } from './batch-plan';
import { type ChainFacts, chainFacts } from './chain/chain-facts';
import type { ChainContext } from './chain/chain-plan';
import { hubTillId, type PushOutcome } from './hub-store';
import type { KnownPairs } from './known-pairs';
import { ingestChainFactsPg } from './postgres-chain-ingest';
import { pgSql } from './postgres-sql';
import { writerMode } from './postgres-transactions';
import {
  HeldTransaction,
  nextHubSeqs,
  prepared,
  settleCards,
  type Written,
  writeEntries,
} from './postgres-write';

/**
 * The chain of a batch's new entries, verified in slices with a turn of the event loop between
 * them, so the connection sends each queued statement as soon as the server finishes the last.
 */
async function verifyYielding(
  cursor: { lastSeq: number; lastHash: string },
  entries: readonly OutboxEntry[],
): Promise<ReturnType<typeof checkChain>> {
  const slice = 64;
  let lastHash = cursor.lastHash;
  for (let i = 0; i < entries.length; i += slice) {
    const part = entries.slice(i, i + slice);
    const broken = checkChain({ lastSeq: cursor.lastSeq, lastHash }, part);
    if (broken !== null) return broken;
    lastHash = (part[part.length - 1] as OutboxEntry).hash;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return null;
}

/**
 * The opening of a push, one round trip (a simple query, values as escaped literals): BEGIN, the
 * writers' Citus mode (`writerMode`), and the till's cursor row (created on its first push,
 * locked by the no-op update): the first lock a push takes, on a row only this till's pushes write.
 */
export function pushOpening(
  client: Pick<pg.PoolClient, 'escapeLiteral'>,
  input: { tillId: string; epoch: string; genesisHash: string; now: number },
): string {
  assert(Number.isSafeInteger(input.now), 'now is an integer');
  return `BEGIN; ${writerMode}; INSERT INTO till_cursor (till_id, epoch, last_seq, last_hash, updated_at)
    VALUES (${client.escapeLiteral(input.tillId)}, ${client.escapeLiteral(input.epoch)}, 0,
      ${client.escapeLiteral(input.genesisHash)}, ${input.now})
    ON CONFLICT (till_id, epoch) DO UPDATE SET last_seq = till_cursor.last_seq RETURNING last_seq, last_hash`;
}

/** A push applied (not yet committed): the new entries, their chain facts, head office's own entries. */
export interface AppliedBatch {
  tillId: string;
  storeId: string;
  /** The batch's entries new to head office, in seq order. */
  entries: readonly OutboxEntry[];
  facts: ChainFacts;
  /** Head office's entries the push made (grant reversals, returns settled, overdrafts). */
  hubEntries: readonly OutboxEntry[];
  now: number;
}

/**
 * Per-batch side work (report rollups, detectors): called once for every push that applies,
 * inside its transaction after all of the push's own writes, before COMMIT (`applyPush`, its
 * one call site). The batch's card rows are locked by then: rows keyed by those cards can be
 * written in any order. A row every push of a store or of the chain writes (a per-day total)
 * makes those pushes wait on each other: prefer rows keyed by card, or insert-only rows.
 */
export type BatchSideWork = (client: pg.PoolClient, batch: AppliedBatch) => Promise<void>;

/** What a push answers; `commit` when the transaction is open and should commit (else rolled back). */
export interface PushResult {
  outcome: PushOutcome;
  commit: boolean;
}

/**
 * One push on a connection of its own, up to (not including) COMMIT: the cursor
 * (`pushOpening`), the plan (`planBatch`), the rows (`writeEntries`: the cards first, in card
 * order, then the rest), the chain verified while the server writes (nothing commits unless
 * every entry chains; a tampered batch answers chain_broken even when a write failed too), the
 * chain facts' follow-up, the cards left with a lot below zero settled, then the side work. A
 * batch repeating held transactions rolls back and answers `epoch_conflict`.
 */
export async function applyPush(
  client: pg.PoolClient,
  input: { tillId: string; storeId: string; entries: OutboxEntry[]; now: number },
  knownPairs: KnownPairs,
  chain: Omit<ChainContext, 'now'>,
  sideWork?: BatchSideWork,
): Promise<PushResult> {
  const first = input.entries[0];
  assert(first !== undefined, 'a batch has entries');
  const opened = (await client.query(
    pushOpening(client, {
      tillId: input.tillId,
      epoch: first.epoch,
      genesisHash: emptyCursor(input.tillId, first.epoch).lastHash,
      now: input.now,
    }),
  )) as unknown as pg.QueryResult[];
  const cursorRow = opened[2]?.rows[0] as { last_seq: number; last_hash: string };
  const cursor = { lastSeq: Number(cursorRow.last_seq), lastHash: cursorRow.last_hash };
  const held = new Map<number, string>();
  if (first.seq < cursor.lastSeq) {
    // The card id is in the key: each held entry is one primary-key probe (no stream index).
    const overlap = input.entries.filter((e) => e.seq < cursor.lastSeq);
    const rows = await prepared(client, pgSql.heldHashes, [
      overlap.map((e) => e.cardId),
      overlap.map((e) => e.seq),
      input.tillId,
      first.epoch,
    ]);
    for (const r of rows.rows as { seq: number; hash: string }[]) held.set(Number(r.seq), r.hash);
  }
  const decision = planBatch(cursor, input.entries, (seq) => held.get(seq));
  if (decision.kind !== 'apply') return rollback(client, decision);
  const facts = chainFacts(decision.entries);
  const cards = [...new Set(decision.entries.map((e) => e.cardId))];
  const writing = writeEntries(client, decision.entries, input.now, {
    storeId: input.storeId,
    push: {
      cursor: {
        tillId: input.tillId,
        epoch: first.epoch,
        lastSeq: decision.ackedThrough,
        lastHash: decision.lastHash,
      },
      facts,
    },
    // Cards whose pair with this store may be new (the rest this process saw committed).
    pairs: knownPairs.unknown(input.storeId, cards),
  });
  writing.catch(() => undefined);
  const broken = await verifyYielding(cursor, decision.entries);
  let written: Written;
  try {
    written = await writing;
  } catch (error) {
    if (broken !== null) return rollback(client, broken);
    if (!(error instanceof HeldTransaction)) throw error;
    await client.query('ROLLBACK');
    const held = await heldTransaction(client, decision.entries);
    if (held === null) throw error.cause ?? error;
    return { outcome: held, commit: false };
  }
  if (broken !== null) return rollback(client, broken);
  const short = new Set(written.short);
  const plan = await ingestChainFactsPg(client, facts, written, { ...chain, now: input.now });
  let hubEntries: OutboxEntry[] = [];
  if (plan !== null && plan.hubEntries.length > 0) {
    const seqs = await nextHubSeqs(client, plan.hubEntries.length);
    hubEntries = plan.hubEntries.map((build, i) => build(seqs[i] as number));
    const hub = await writeEntries(client, hubEntries, input.now, { storeId: hubTillId });
    for (const cardId of hub.short) short.add(cardId);
  }
  const overdraftBooked = short.size === 0 ? 0 : await settleCards(client, [...short].sort(), input.now);
  await sideWork?.(client, {
    tillId: input.tillId,
    storeId: input.storeId,
    entries: decision.entries,
    facts,
    hubEntries,
    now: input.now,
  });
  return { outcome: appliedOutcome(decision, overdraftBooked), commit: true };
}

async function rollback(client: pg.PoolClient, outcome: PushOutcome): Promise<PushResult> {
  await client.query('ROLLBACK');
  return { outcome, commit: false };
}

/** After the rollback: the first entry whose transaction head office holds, and where. */
async function heldTransaction(
  client: pg.PoolClient,
  entries: readonly OutboxEntry[],
): Promise<PushOutcome | null> {
  const rows = (
    await prepared(client, pgSql.heldTxns, [entries.map((e) => e.cardId), entries.map((e) => e.txnId)])
  ).rows as { card_id: string; txn_id: string; till_id: string; epoch: string; seq: number }[];
  for (const entry of entries) {
    const row = rows.find((r) => r.card_id === entry.cardId && r.txn_id === entry.txnId);
    if (row) return epochConflict(entry, { tillId: row.till_id, epoch: row.epoch, seq: Number(row.seq) });
  }
  return null;
}
