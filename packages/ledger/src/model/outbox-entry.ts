import * as crypto from 'node:crypto';
import { canonicalJson } from '@tillpoint/core';
import { z } from 'zod';
import { accountKinds } from './accounts';
import { returnFactSchema, type SaleFact, saleFactSchema } from './sale-fact';

/**
 * One outbox entry: a journal entry as head office receives it. The hash chain covers
 * the canonical JSON of everything but `prevHash`/`hash`:
 * `hash = sha256_hex(prevHash + "\n" + canonicalJson(body))`, and the first entry of an
 * epoch chains from `genesisHash(tillId, epoch)`. Times are Unix milliseconds.
 */
export const journalKinds = [
  'sale',
  'return',
  'adjustment',
  'card_enrolled',
  'card_blocked',
  'card_unblocked',
] as const;
export type JournalKind = (typeof journalKinds)[number];

const id = z.string().min(1).max(128);
const ms = z.number().int().nonnegative();
const points = z.number().int();

export const outboxBodySchema = z.strictObject({
  tillId: id,
  epoch: id,
  seq: z.number().int().positive(),
  txnId: id,
  idempotencyKey: id,
  kind: z.enum(journalKinds),
  cardId: id,
  occurredAt: ms,
  rulesVersion: z.string().max(64).nullable(),
  /** For a return: the sale's txn id. */
  reverses: id.nullable(),
  postings: z
    .array(
      z.strictObject({
        leg: z.number().int().nonnegative(),
        account: z.enum(accountKinds),
        amount: points,
        lotId: id.nullable(),
      }),
    )
    .max(512),
  newLots: z
    .array(
      z.strictObject({
        lotId: id,
        initial: z.number().int().positive(),
        vestsAt: ms,
        expiresAt: ms.nullable(),
        account: z.enum(['member_available', 'member_pending']),
      }),
    )
    .max(64),
  /**
   * Operation details: receipt id, amounts, actor/role/reason; for an enrolment its `profileRef`
   * and `consentAt` (never personal data: the phone travels to head office out of band).
   */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
  /** On a sale: what was sold, line by line (absent on entries written before sale facts existed). */
  sale: saleFactSchema.optional(),
  /** On a return: what came back, and of which sale. */
  returned: returnFactSchema.optional(),
});
export type OutboxBody = z.infer<typeof outboxBodySchema>;

export const outboxEntrySchema = outboxBodySchema.extend({
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

/**
 * `crypto.hash` (Node 20.12 and later) digests without a Hash object: a third cheaper on a sale's
 * body, half on a short id (a history import hashes two a receipt). Node 20.11 takes the long way.
 */
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

export function sha256Hex(text: string): string {
  return oneShot === undefined
    ? crypto.createHash('sha256').update(text).digest('hex')
    : oneShot('sha256', text, 'hex');
}

export function genesisHash(tillId: string, epoch: string): string {
  return sha256Hex(`tillpoint-outbox-genesis\n${tillId}\n${epoch}`);
}

export function chainHash(prevHash: string, bodyJson: string): string {
  return sha256Hex(`${prevHash}\n${bodyJson}`);
}

/**
 * `canonicalJson(body)` for the outbox body's own shape, made faster: each object is copied with
 * its keys already in sorted order and the copy is serialised once by `JSON.stringify` (a sale
 * fact of 100 lines is some 20 KB; sorting keys object by object costs more than the rest of the
 * sale). The text is exactly `canonicalJson`'s (head office recomputes it to check the chain;
 * `verifyChain` in the property tests does too). `detail` is a flat record, copied sorted.
 */
export function canonicalBodyJson(body: OutboxBody): string {
  const detail: Record<string, unknown> = {};
  for (const key of Object.keys(body.detail).sort()) detail[key] = body.detail[key];
  return JSON.stringify({
    cardId: body.cardId,
    detail,
    epoch: body.epoch,
    idempotencyKey: body.idempotencyKey,
    kind: body.kind,
    newLots: body.newLots.map((l) => ({
      account: l.account,
      expiresAt: l.expiresAt,
      initial: l.initial,
      lotId: l.lotId,
      vestsAt: l.vestsAt,
    })),
    occurredAt: body.occurredAt,
    postings: body.postings.map((p) => ({
      account: p.account,
      amount: p.amount,
      leg: p.leg,
      lotId: p.lotId,
    })),
    returned:
      body.returned === undefined
        ? undefined
        : {
            cashierId: body.returned.cashierId,
            lines: body.returned.lines?.map((l) => ({ lineId: l.lineId, quantity: l.quantity })) ?? null,
            origin: {
              receiptId: body.returned.origin.receiptId,
              tillId: body.returned.origin.tillId,
              txnId: body.returned.origin.txnId,
            },
            pointsSettled: body.returned.pointsSettled,
            refundMinor: body.returned.refundMinor,
            rewards: body.returned.rewards?.map((r) => ({
              points: r.points,
              rewardId: r.rewardId,
              usesBack: r.usesBack,
            })),
            spendReversedMinor: body.returned.spendReversedMinor,
            storeId: body.returned.storeId,
          },
    reverses: body.reverses,
    rulesVersion: body.rulesVersion,
    sale: body.sale === undefined ? undefined : sortedSale(body.sale),
    seq: body.seq,
    tillId: body.tillId,
    txnId: body.txnId,
  });
}

function sortedSale(sale: SaleFact) {
  return {
    basketTotalMinor: sale.basketTotalMinor,
    bonuses: sale.bonuses.map((b) => ({
      grantOnceKey: b.grantOnceKey,
      kind: b.kind,
      points: b.points,
      ruleId: b.ruleId,
    })),
    cashierId: sale.cashierId,
    currency: sale.currency,
    lines: sale.lines.map((l) => ({
      amountMinor: l.amountMinor,
      category: l.category,
      discountMinor: l.discountMinor,
      earnedPoints: l.earnedPoints,
      lineId: l.lineId,
      promotions: l.promotions,
      quantity: l.quantity,
      rewardDiscountMinor: l.rewardDiscountMinor,
      ruleIds: l.ruleIds,
      sku: l.sku,
      spentDiscountMinor: l.spentDiscountMinor,
      spentPoints: l.spentPoints,
      unitPriceMinor: l.unitPriceMinor,
    })),
    receiptId: sale.receiptId,
    rewards: sale.rewards?.map((r) => ({
      costPoints: r.costPoints,
      couponCode: r.couponCode,
      lines: r.lines.map((l) => ({ discountMinor: l.discountMinor, lineId: l.lineId })),
      returnPolicy: r.returnPolicy,
      rewardId: r.rewardId,
      times: r.times,
    })),
    spendMinor: sale.spendMinor,
    storeId: sale.storeId,
  };
}

/** Checks a run of entries (as received by head office) against the chain. */
export function verifyChain(
  entries: readonly OutboxEntry[],
  startHash: string,
): { ok: true } | { ok: false; seq: number; reason: string } {
  let prev = startHash;
  for (const entry of entries) {
    const { prevHash, hash, ...body } = entry;
    if (prevHash !== prev)
      return { ok: false, seq: entry.seq, reason: 'prevHash does not match the previous hash' };
    if (chainHash(prevHash, canonicalJson(body)) !== hash) {
      return { ok: false, seq: entry.seq, reason: 'hash does not match the body' };
    }
    prev = hash;
  }
  return { ok: true };
}

/** An outbox row as a store keeps it: the body as the canonical JSON the hash covers. */
export interface OutboxRow {
  epoch: string;
  seq: number;
  bodyJson: string;
  prevHash: string;
  hash: string;
}

export type ChainCheck =
  | { ok: true; entries: number }
  | { ok: false; epoch: string; seq: number; reason: string };

/**
 * Checks a store's whole outbox, every epoch in order: each epoch starts at seq 1 from its
 * genesis hash, seqs have no gap, and every row chains from the one before.
 */
export function verifyOutboxRows(tillId: string, rows: Iterable<OutboxRow>): ChainCheck {
  let epoch = '';
  let prev = '';
  let expectSeq = 1;
  let entries = 0;
  for (const row of rows) {
    if (row.epoch !== epoch) {
      epoch = row.epoch;
      prev = genesisHash(tillId, epoch);
      expectSeq = 1;
    }
    if (row.seq !== expectSeq)
      return { ok: false, epoch, seq: row.seq, reason: `gap: expected seq ${expectSeq}` };
    if (row.prevHash !== prev)
      return { ok: false, epoch, seq: row.seq, reason: 'prev_hash breaks the chain' };
    if (chainHash(prev, row.bodyJson) !== row.hash)
      return { ok: false, epoch, seq: row.seq, reason: 'hash does not match body' };
    prev = row.hash;
    expectSeq += 1;
    entries += 1;
  }
  return { ok: true, entries };
}
