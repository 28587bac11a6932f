import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quoteSchema } from '@tillpoint/rules';
import { describe, expect, it } from 'vitest';
import {
  inlineLineReasons,
  quoteAnswerSchema,
  sharedReasonsQuoteSchema,
  shareLineReasons,
} from '../src/index';

/** Every worked quote of MECHANICS.md (fixtures/quotes), shared and inlined again. */
const quotesDir = resolve(import.meta.dirname, '../../../fixtures/quotes');
const quotes = readdirSync(quotesDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, quoteSchema.parse(JSON.parse(readFileSync(join(quotesDir, f), 'utf8')))] as const);

describe('a quote with shared line reasons', () => {
  it.each(quotes)('%s: the shared answer is valid and inlines back to the quote', (_name, quote) => {
    const shared = sharedReasonsQuoteSchema.parse(shareLineReasons(quote));
    expect(quoteAnswerSchema.safeParse(shared).success).toBe(true);
    expect(inlineLineReasons(shared)).toEqual(quote);
    expect(shared.lines.map((l) => l.reasonRefs.length)).toEqual(quote.lines.map((l) => l.reasons.length));
  });

  it('lists a reason object the lines share once', () => {
    const quote = quotes[0]?.[1];
    if (quote === undefined) throw new Error('no fixture quotes');
    const reason = { ruleId: 'base', code: 'cashback', params: { percent: '2' }, text: '2% back.' };
    const line = { ...quote.lines[0], lineId: 'x', reasons: [reason] } as (typeof quote.lines)[number];
    const shared = shareLineReasons({ ...quote, lines: [line, { ...line, lineId: 'y' }] });
    expect(shared.reasons).toEqual([reason]);
    expect(shared.lines.map((l) => l.reasonRefs)).toEqual([[0], [0]]);
  });

  it('refuses a reference to no reason', () => {
    const quote = quotes[0]?.[1];
    if (quote === undefined) throw new Error('no fixture quotes');
    const shared = shareLineReasons(quote);
    const broken = { ...shared, lines: shared.lines.map((l) => ({ ...l, reasonRefs: [99] })) };
    expect(() => inlineLineReasons(broken)).toThrow(RangeError);
  });
});
