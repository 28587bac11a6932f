import { z } from 'zod';
import { quantityUnits } from '../plan/plan-line-return';
import { fingerprintSchema } from './requests';
import { returnedLineSchema, saleFactLinesMax, saleFactSchema } from './sale-fact';

const name = z.string().min(1).max(64);
const ms = z.number().int().nonnegative().max(8_640_000_000_000_000);

/**
 * A sale made at another till, as head office answers `GET /v1/sync/sales/:receiptId` (the sync
 * protocol's `syncSaleLookupResponseSchema`, its `sale` checked here as a `SaleFact`): the sale,
 * where it was made, and what has been returned of it so far at any till.
 */
export const headOfficeSaleSchema = z.strictObject({
  txnId: z.string().min(1).max(128),
  tillId: name,
  cardId: name,
  occurredAt: ms,
  rulesVersion: z.string().max(64).nullable(),
  /** Typed loosely on the way in (head office's answer), checked as a sale fact. */
  sale: z.unknown().pipe(saleFactSchema),
  returned: z
    .array(z.strictObject({ lineId: name, quantity: z.number().nonnegative().max(1_000_000) }))
    .max(saleFactLinesMax),
  refundedMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type HeadOfficeSale = z.infer<typeof headOfficeSaleSchema>;

/**
 * A return against an earlier receipt: the goods that came back (`lines`: line id and quantity)
 * or only the money given back (`refundMinor`: the money the buyer gets back, never more than the
 * money the sale took), exactly one of the two. The till that holds the sale needs nothing more.
 * For a sale made at another till, pass head office's answer as `headOffice`; offline, with no
 * answer, pass the buyer's `cardId` and the return is booked without points for head office to
 * settle.
 */
export const returnSaleRequestSchema = z
  .strictObject({
    idempotencyKey: z.string().min(1).max(128),
    fingerprint: fingerprintSchema.optional(),
    receiptId: name,
    at: ms,
    storeId: name,
    /** The POS's employee number (no personal data). */
    cashierId: name.nullable().optional(),
    lines: z.array(returnedLineSchema).min(1).max(saleFactLinesMax).optional(),
    refundMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    headOffice: headOfficeSaleSchema.optional(),
    /** The card of a sale this till does not hold, when head office cannot be asked. */
    cardId: name.optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if ((r.lines === undefined) === (r.refundMinor === undefined))
      issue(['lines'], 'give the returned lines or refundMinor (the money given back), exactly one');
    const seen = new Set<string>();
    r.lines?.forEach((line, i) => {
      if (seen.has(line.lineId)) issue(['lines', i, 'lineId'], `line "${line.lineId}" is named twice`);
      seen.add(line.lineId);
      if (quantityUnits(line.quantity) < 1)
        issue(['lines', i, 'quantity'], 'quantity must be at least 0.000001');
    });
    const ho = r.headOffice;
    if (ho === undefined) return;
    if (ho.sale.receiptId !== r.receiptId)
      issue(
        ['headOffice', 'sale', 'receiptId'],
        `head office's sale is receipt ${ho.sale.receiptId}, not ${r.receiptId}`,
      );
    const sold = new Map(ho.sale.lines.map((l) => [l.lineId, quantityUnits(l.quantity)]));
    ho.returned.forEach((line, i) => {
      const units = sold.get(line.lineId);
      if (units === undefined)
        issue(['headOffice', 'returned', i, 'lineId'], `the sale has no line "${line.lineId}"`);
      else if (quantityUnits(line.quantity) > units)
        issue(['headOffice', 'returned', i, 'quantity'], 'more returned than the line sold');
    });
  });
export type ReturnSaleRequest = z.infer<typeof returnSaleRequestSchema>;
/** What a caller passes (`headOffice.sale` as head office sent it: it is checked here). */
export type ReturnSaleInput = z.input<typeof returnSaleRequestSchema>;
