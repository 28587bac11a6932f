import { assert } from '@tillpoint/core';
import { isMemberAccount } from '../model/accounts';
import { type EntryCardFacts, entryCardFacts } from '../model/card-state';
import { canonicalBodyJson, chainHash, genesisHash, type OutboxBody } from '../model/outbox-entry';
import { isSnapshotLot } from '../model/snapshot';
import { spentOffline } from '../model/unacked-spend';
import type { LotChange } from '../plan/plan';
import { LedgerStoreError } from '../store/ledger-store-error';
import type { EntryDraft, LedgerReader } from './ledger-ports';

/** Everything a store writes for one journal entry, computed once for both stores. */
export interface EntryRecord {
  seq: number;
  body: OutboxBody;
  bodyJson: string;
  prevHash: string;
  hash: string;
  /** Member postings by account: what the card's balance projection moves by. */
  available: number;
  pending: number;
  /** Lot changes the store applies (head office's snapshot lot has no row: its postings are the record). */
  lotChanges: LotChange[];
  /** Points the entry counts as spent offline (`spentOffline`). */
  spent: number;
  /** What the entry says about its card beyond points (spend, purchases, grants, status). */
  facts: EntryCardFacts;
}

/** The most one outbox entry's canonical body may take (a sale of 1,000 lines fits). */
export const entryBytesMax = 256 * 1024;

/** The next outbox row of the current epoch for `entry`: seq, canonical body, hash chain and sums. */
export function entryRecord(read: LedgerReader, entry: EntryDraft): EntryRecord {
  const last = read.lastEntry();
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? genesisHash(read.tillId, read.epoch);
  const { plan } = entry;
  let sum = 0;
  let available = 0;
  let pending = 0;
  for (const p of plan.postings) {
    sum += p.amount;
    if (p.account === 'member_available') available += p.amount;
    if (p.account === 'member_pending') pending += p.amount;
  }
  assert(sum === 0, 'journal entry does not sum to zero', { txnId: entry.txnId, sum });
  assert(
    plan.postings.every((p) => isMemberAccount(p.account) === (p.lotId !== null)),
    'member postings name a lot, others do not',
    { txnId: entry.txnId },
  );
  const body: OutboxBody = {
    tillId: read.tillId,
    epoch: read.epoch,
    seq,
    txnId: entry.txnId,
    idempotencyKey: entry.idempotencyKey,
    kind: entry.kind,
    cardId: entry.cardId,
    occurredAt: entry.at,
    rulesVersion: entry.rulesVersion,
    reverses: entry.reverses,
    postings: plan.postings.map((p, leg) => ({ leg, account: p.account, amount: p.amount, lotId: p.lotId })),
    newLots: plan.newLots.map((l) => ({
      lotId: l.lotId,
      initial: l.initial,
      vestsAt: l.vestsAt,
      expiresAt: l.expiresAt,
      account: l.account,
    })),
    detail: entry.detail,
    ...(entry.sale === undefined ? {} : { sale: entry.sale }),
    ...(entry.returned === undefined ? {} : { returned: entry.returned }),
  };
  const bodyJson = canonicalBodyJson(body);
  const bytes = Buffer.byteLength(bodyJson, 'utf8');
  if (bytes > entryBytesMax) {
    throw new LedgerStoreError(
      'invalid_request',
      `${entry.kind} ${entry.txnId}: its outbox entry would be ${bytes} bytes, at most ${entryBytesMax}; nothing was written (shorten the lines' texts or split the receipt)`,
      { context: { bytes, max: entryBytesMax } },
    );
  }
  return {
    seq,
    body,
    bodyJson,
    prevHash,
    hash: chainHash(prevHash, bodyJson),
    available,
    pending,
    lotChanges: plan.lotChanges.filter((c) => !isSnapshotLot(c.lotId)),
    spent: spentOffline(plan.postings),
    facts: entryCardFacts(body),
  };
}
