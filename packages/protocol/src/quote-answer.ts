import { type Quote, quoteLineSchema, quoteSchema, reasonSchema } from '@tillpoint/rules';
import { z } from 'zod';

/**
 * The quote's answer with each distinct line reason once (`lineReasons: "shared"` in the
 * request): a line's reasons are mostly the same few rules', so a 50-line answer carries them
 * 50 times (more than half of its bytes). Here the answer's `reasons` lists each once and every
 * line names its own by position, in order (`reasonRefs`); everything else is the quote as is.
 */
export const lineReasonsSchema = z.enum(['inline', 'shared']);
export type LineReasons = z.infer<typeof lineReasonsSchema>;

export const sharedReasonsLineSchema = quoteLineSchema.omit({ reasons: true }).extend({
  /** Positions in the answer's `reasons` of this line's reasons, in order. */
  reasonRefs: z.array(z.number().int().nonnegative()),
});
export type SharedReasonsLine = z.infer<typeof sharedReasonsLineSchema>;

export const sharedReasonsQuoteSchema = quoteSchema.extend({
  lines: z.array(sharedReasonsLineSchema),
  /** Each distinct reason of the lines, once: what `lines[].reasonRefs` point at. */
  reasons: z.array(reasonSchema),
});
export type SharedReasonsQuote = z.infer<typeof sharedReasonsQuoteSchema>;

/** What `POST /v1/quote` answers: the quote, its line reasons inline or shared as asked. */
export const quoteAnswerSchema = z.union([quoteSchema, sharedReasonsQuoteSchema]);

/**
 * The quote with each distinct line reason once. The rules engine builds a rule's reason once
 * per program and gives every line the same object, so objects are told apart by identity (an
 * equal reason built twice is listed twice: still exact, a little longer).
 */
export function shareLineReasons(quote: Quote): SharedReasonsQuote {
  const reasons: Quote['lines'][number]['reasons'] = [];
  const refs = new Map<object, number>();
  const lines = quote.lines.map((line): SharedReasonsLine => {
    const reasonRefs: number[] = [];
    for (const reason of line.reasons) {
      let ref = refs.get(reason);
      if (ref === undefined) {
        ref = reasons.length;
        reasons.push(reason);
        refs.set(reason, ref);
      }
      reasonRefs.push(ref);
    }
    // field by field, not a rest spread: this runs for every line of every shared answer
    const shared: SharedReasonsLine = {
      lineId: line.lineId,
      amountMinor: line.amountMinor,
      eligibleMinor: line.eligibleMinor,
      earnedPoints: line.earnedPoints,
      reasonRefs,
      maxSpendPoints: line.maxSpendPoints,
    };
    if (line.spentPoints !== undefined) shared.spentPoints = line.spentPoints;
    if (line.spendDiscountMinor !== undefined) shared.spendDiscountMinor = line.spendDiscountMinor;
    if (line.rewardDiscountMinor !== undefined) shared.rewardDiscountMinor = line.rewardDiscountMinor;
    return shared;
  });
  return { ...quote, lines, reasons };
}

/** The quote as `lineReasons: "inline"` answers it: each line with its reasons in full. */
export function inlineLineReasons(shared: SharedReasonsQuote): Quote {
  const { reasons, ...quote } = shared;
  return {
    ...quote,
    lines: shared.lines.map(({ reasonRefs, ...line }) => ({
      ...line,
      reasons: reasonRefs.map((ref) => {
        const reason = reasons[ref];
        if (reason === undefined) throw new RangeError(`reason ${ref} is not in the answer's reasons`);
        return reason;
      }),
    })),
  };
}
