import { assert } from '@tillpoint/core';
import {
  canonicalBodyJson,
  chainHash,
  type OutboxBody,
  type OutboxEntry,
  sha256Hex,
} from '@tillpoint/ledger';
import { type JournalRow, journalRows } from '../batch-plan';
import { birthMonthDay, phoneHash } from '../chain/card-profile-rules';
import { type ChainFacts, chainFacts } from '../chain/chain-facts';
import { hubTillId } from '../hub-store';
import type { CardRecord, LotRecord, SaleRecord } from './import-records';

/**
 * What an imported record becomes at head office (pure), in the rows the push path writes, so
 * every reader (sale lookup for returns at any till, counters, tier windows, pulls) sees imported
 * history as it sees the tills' own:
 *
 * - a sale: a journal entry of its till in the file's import epoch (`import-<digest>`, seq = the
 *   receipt's first line) carrying its sale fact, with **no postings**: the points the old
 *   processing booked for it are in the card's opening balance; its sale fact, lines, day spend,
 *   counters, once-only grant keys and the card's store as a push writes them;
 * - an opening-balance lot: head office's own entry (till `hub`, the same epoch) crediting the
 *   lot from issued liability, with the lot's dates;
 * - a card: its enrolment, profile (the phone hashed under the chain's key) and groups.
 *
 * Ids are derived from the record's own key, so the same record imported again (from this file
 * or another) is recognised and not written twice.
 */
const zeroHash = '0'.repeat(64);

const digest = (...parts: (string | number)[]) => sha256Hex(parts.join('\u001f')).slice(0, 24);

/** The import epoch of a file: its content digest (16 hex digits). */
export const importEpoch = (fileDigest: string) => `import-${fileDigest.slice(0, 16)}`;

export const saleTxnId = (s: Pick<SaleRecord, 'storeId' | 'tillId' | 'receiptId' | 'occurredAt'>) =>
  `imp-${digest(s.storeId, s.tillId, s.receiptId, s.occurredAt)}`;

export const lotTxnId = (cardId: string, lotKey: string) => `imp-open-${digest(cardId, lotKey)}`;
export const importLotId = (cardId: string, lotKey: string) => `imp-${digest(cardId, lotKey)}`;
export const returnTxnId = (returnId: string, storeId: string, cardId: string) =>
  `imp-ret-${digest(returnId, storeId, cardId)}`;

function sealed(body: OutboxBody): OutboxEntry {
  return sealedWithText(body).entry;
}

/**
 * An entry first in its own chain, and its journal text: the canonical JSON its hash is over, with
 * `prevHash` and `hash` added (the same values as `journalBody`'s text, keys in another order:
 * readers parse it; serialising the sale a second time was a tenth of the import's reading).
 */
function sealedWithText(body: OutboxBody): { entry: OutboxEntry; text: string } {
  const canonical = canonicalBodyJson(body);
  const hash = chainHash(zeroHash, canonical);
  return {
    entry: { ...body, prevHash: zeroHash, hash },
    text: `${canonical.slice(0, -1)},"prevHash":"${zeroHash}","hash":"${hash}"}`,
  };
}

/** A sale's journal entry before its hash: its fact, no postings (its points are in the opening balance). */
function saleBody(sale: SaleRecord, epoch: string, seq: number): OutboxBody {
  assert(Number.isSafeInteger(seq) && seq > 0, 'a sale entry has a positive seq', { seq });
  const txnId = saleTxnId(sale);
  let basketTotalMinor = 0;
  let spendMinor = 0;
  for (const line of sale.lines) {
    basketTotalMinor += line.amountMinor;
    spendMinor += line.amountMinor - line.spentDiscountMinor;
  }
  return {
    tillId: sale.tillId,
    epoch,
    seq,
    txnId,
    idempotencyKey: txnId,
    kind: 'sale',
    cardId: sale.cardId,
    occurredAt: sale.occurredAt,
    rulesVersion: sale.rulesVersion,
    reverses: null,
    postings: [],
    newLots: [],
    detail: { source: 'import', receiptId: sale.receiptId },
    sale: {
      receiptId: sale.receiptId,
      storeId: sale.storeId,
      cashierId: sale.cashierId,
      currency: sale.currency,
      basketTotalMinor,
      spendMinor,
      lines: sale.lines,
      bonuses: sale.bonuses,
    },
  };
}

/** A sale's journal entry and its journal body (built where the file is read: a worker thread). */
export interface SealedSale {
  entry: OutboxEntry;
  body: string;
}

export function sealSale(sale: SaleRecord, epoch: string, seq: number): SealedSale {
  const { entry, text } = sealedWithText(saleBody(sale, epoch, seq));
  return { entry, body: text };
}

/** The journal rows of sealed sales (`journalRows` with the bodies already built). */
export const sealedJournalRows = (sales: readonly SealedSale[]): JournalRow[] =>
  journalRows(
    sales.map((s) => s.entry),
    sales.map((s) => s.body),
  );

/** The sale rows of entries as a push writes them (`chainFacts`: facts, lines, days, counters, grants). */
export function saleFacts(entries: readonly OutboxEntry[]): ChainFacts {
  return chainFacts(entries);
}

/** An opening-balance lot: head office's entry crediting it from issued liability. */
export function lotEntry(lot: LotRecord, epoch: string, seq: number, importedAt: number): OutboxEntry {
  const txnId = lotTxnId(lot.cardId, lot.lotKey);
  const lotId = importLotId(lot.cardId, lot.lotKey);
  return sealed({
    tillId: hubTillId,
    epoch,
    seq,
    txnId,
    idempotencyKey: txnId,
    kind: 'adjustment',
    cardId: lot.cardId,
    occurredAt: importedAt,
    rulesVersion: null,
    reverses: null,
    postings: [
      { leg: 0, account: 'member_available', amount: lot.points, lotId },
      { leg: 1, account: 'issued_liability', amount: -lot.points, lotId: null },
    ],
    newLots: [
      {
        lotId,
        initial: lot.points,
        vestsAt: lot.vestsAt,
        expiresAt: lot.expiresAt,
        account: 'member_available',
      },
    ],
    detail: { reason: 'opening_balance', source: 'import', lotKey: lot.lotKey },
  });
}

/** A card's rows: enrolment, profile (personal data, erasable), traits the rules read. */
export interface CardRows {
  cardId: string;
  blocked: boolean;
  enrolment: { enrolledAt: number; consentAt: number | null; profileRef: string } | null;
  profile: {
    profileRef: string;
    phone: string | null;
    phoneHash: string | null;
    name: string | null;
    birthDate: string | null;
    birthMonthDay: string | null;
    consentAt: number | null;
  } | null;
  traits: { groups: string; referredBy: string | null } | null;
}

export function cardRows(card: CardRecord, lookupKey: string): CardRows {
  const profileRef = `import:${card.cardId}`;
  const hasProfile = card.phone !== null || card.name !== null || card.birthDate !== null;
  const enrolledAt = card.status === 'anonymous' ? null : card.enrolledAt;
  return {
    cardId: card.cardId,
    blocked: card.status === 'blocked',
    enrolment: enrolledAt === null ? null : { enrolledAt, consentAt: card.consentAt, profileRef },
    profile: hasProfile
      ? {
          profileRef,
          phone: card.phone,
          phoneHash: card.phone === null ? null : phoneHash(lookupKey, card.phone),
          name: card.name,
          birthDate: card.birthDate,
          birthMonthDay: birthMonthDay(card.birthDate),
          consentAt: card.consentAt,
        }
      : null,
    traits:
      card.groups.length > 0 || card.referredBy !== null
        ? { groups: JSON.stringify(card.groups), referredBy: card.referredBy }
        : null,
  };
}
