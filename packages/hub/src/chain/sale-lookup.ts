import { type OutboxEntry, outboxEntrySchema } from '@tillpoint/ledger';
import type { SyncSaleLookupResponse } from '@tillpoint/protocol';
import { quantityUnitsPerItem } from './return-settlement';

/**
 * Finding a sale for a return at another till (pure). A POS receipt id is unique at its till
 * (and, in practice, its store), not in the chain: the lookup names the receipt and at least
 * the sale's store (the default: the asking till's store), its till, or its card; head office
 * answers the one sale that matches, `sale_unknown` when none does, `sale_ambiguous` when
 * several do (name the till or the card).
 */
export interface SaleLookup {
  receiptId: string;
  storeId?: string;
  tillId?: string;
  cardId?: string;
}

/** A sale fact row as the stores read it for a lookup, with what was returned of it. */
export interface SaleCandidate {
  cardId: string;
  txnId: string;
  tillId: string;
  epoch: string;
  seq: number;
  storeId: string;
  occurredAt: number;
  refundedMinor: number;
}

export type SaleLookupResult =
  | { kind: 'found'; sale: SyncSaleLookupResponse }
  | { kind: 'unknown' }
  | { kind: 'ambiguous'; matches: number };

/** Candidates beyond this many are not read: the answer is then ambiguous anyway. */
export const saleCandidatesMax = 8;

export function matchesLookup(row: SaleCandidate, lookup: SaleLookup): boolean {
  return (
    (lookup.storeId === undefined || row.storeId === lookup.storeId) &&
    (lookup.tillId === undefined || row.tillId === lookup.tillId) &&
    (lookup.cardId === undefined || row.cardId === lookup.cardId)
  );
}

/** The one candidate, or why there is none. */
export function pickSale(
  candidates: readonly SaleCandidate[],
  lookup: SaleLookup,
): { kind: 'one'; row: SaleCandidate } | { kind: 'unknown' } | { kind: 'ambiguous'; matches: number } {
  const matches = candidates.filter((row) => matchesLookup(row, lookup));
  if (matches.length === 0) return { kind: 'unknown' };
  if (matches.length > 1) return { kind: 'ambiguous', matches: matches.length };
  return { kind: 'one', row: matches[0] as SaleCandidate };
}

/** The answer for a sale: its fact as the till sent it (from the journal), and what came back so far. */
export function saleLookupAnswer(
  row: SaleCandidate,
  journalBody: string,
  returnedMicro: readonly { lineId: string; returnedMicro: number }[],
): SaleLookupResult {
  const entry: OutboxEntry = outboxEntrySchema.parse(JSON.parse(journalBody));
  if (entry.sale === undefined) return { kind: 'unknown' };
  return {
    kind: 'found',
    sale: {
      txnId: entry.txnId,
      tillId: entry.tillId,
      cardId: entry.cardId,
      occurredAt: entry.occurredAt,
      rulesVersion: entry.rulesVersion,
      sale: entry.sale as unknown as Record<string, unknown>,
      returned: returnedMicro.map((l) => ({
        lineId: l.lineId,
        quantity: l.returnedMicro / quantityUnitsPerItem,
      })),
      refundedMinor: row.refundedMinor,
    },
  };
}
