import { quoteRequestSchema } from '@tillpoint/protocol';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedQuoteBody, quoteRouteOptions, zodLikeAjv } from './quote-body';

/**
 * The compiled check of the quote's body against zod, the schema it is compiled from (the
 * oracle): for bodies near the real POS's shape and broken in every way one field can be,
 * whatever the compiled check accepts zod accepts with the same data, and whatever zod accepts
 * the compiled check accepts too (except chosen rewards, which zod judges).
 */
let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify({ ajv: zodLikeAjv });
  app.addHook('preValidation', async (request) => {
    (request as { original?: unknown }).original = structuredClone(request.body);
  });
  app.post('/q', quoteRouteOptions, async (request) => ({
    fast: checkedQuoteBody(request) ?? null,
    compiledRefused: request.validationError !== undefined,
    original: (request as { original?: unknown }).original,
  }));
  await app.ready();
});
afterAll(() => app.close());

const text = fc.oneof(
  { weight: 60, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  fc.constantFrom('', 'x'.repeat(64), 'x'.repeat(65), '😀'.repeat(32), '😀'.repeat(33), 'é'.repeat(64)),
);
const line = fc
  .record(
    {
      id: text,
      sku: text,
      category: text,
      tags: fc.array(text, { maxLength: 3 }),
      quantity: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0.25, 1.5, 0.001)),
      unitPriceMinor: fc.integer({ min: 0, max: 1_000_000 }),
      discountMinor: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 })),
      promotions: fc.array(text, { maxLength: 2 }),
      slack: fc.constantFrom(0, 0, 0, 0, 0, 1, -1, 2),
    },
    { requiredKeys: ['id', 'sku', 'quantity', 'unitPriceMinor', 'slack'] },
  )
  .map(({ slack, ...l }) => {
    const amount = Math.round(l.quantity * l.unitPriceMinor) - (l.discountMinor ?? 0) + slack;
    return { ...l, amountMinor: amount };
  });
const body = fc
  .record(
    {
      cardCode: fc.oneof({ weight: 4, arbitrary: fc.constant('2000000000015') }, text),
      identificationId: fc.constantFrom(
        'idn_AAAAAAAAAAAAAAAAAAAAAA',
        'idn_AAAAAAAAAAAAAAAAAAAAAA',
        'idn_short',
      ),
      basket: fc.record(
        {
          currency: fc.oneof({ weight: 10, arbitrary: fc.constant('RUB') }, fc.constantFrom('rub', 'EURO')),
          storeId: text,
          lines: fc.oneof(
            { weight: 20, arbitrary: fc.array(line, { minLength: 1, maxLength: 6 }) },
            fc.constant([]),
          ),
        },
        { requiredKeys: ['currency', 'lines'] },
      ),
      spendPoints: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000_000_000 }) },
        fc.constantFrom(-1, 1.5, 1_000_000_001),
      ),
      rewards: fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'bad id') }), { maxLength: 2 }),
      withRewards: fc.nat(4),
    },
    { requiredKeys: ['basket', 'withRewards'] },
  )
  // chosen rewards in one body of five: zod judges those alone
  .map(({ withRewards, rewards, ...b }) =>
    withRewards === 0 && rewards !== undefined ? { ...b, rewards } : b,
  );
/** A value of the wrong kind, or of the right kind out of range. */
const junk = fc.oneof(
  fc.constantFrom(null, true, '5', '', -1, 0, 1.5, 1e13, 2 ** 53 + 1, [], {}, ['x'], { x: 1 }),
  fc.jsonValue({ maxDepth: 2 }),
);
type Json = Record<string, unknown> | unknown[];

/** `value` with one place (picked by `path`, as far as the body goes) set to `to`, deleted or given an extra key. */
function broken(value: unknown, path: number[], to: unknown, how: 'set' | 'delete' | 'extra'): unknown {
  const copy = structuredClone(value);
  let holder: Json | undefined;
  let key: string | number | undefined;
  let at: unknown = copy;
  for (const step of path) {
    if (typeof at !== 'object' || at === null) break;
    const keys = Array.isArray(at) ? at.map((_, i) => i) : Object.keys(at);
    if (keys.length === 0) break;
    holder = at as Json;
    key = keys[step % keys.length] as string | number;
    at = (holder as Record<string | number, unknown>)[key];
  }
  if (holder === undefined || key === undefined) return to;
  const target = holder as Record<string | number, unknown>;
  if (how === 'delete') delete target[key];
  else if (how === 'extra' && typeof at === 'object' && at !== null && !Array.isArray(at))
    (at as Record<string, unknown>).unexpected = to;
  else target[key] = to;
  return copy;
}

const bodies = fc.oneof(
  body,
  fc
    .tuple(
      body,
      fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      junk,
      fc.constantFrom('set', 'delete', 'extra'),
    )
    .map(([b, path, to, how]) => broken(b, path, to, how as 'set' | 'delete' | 'extra')),
  junk,
);

describe('the compiled check of the quote body', () => {
  it('accepts what zod accepts, with the same data, and nothing else', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (b) => {
        const answer = await app.inject({
          method: 'POST',
          url: '/q',
          payload: JSON.stringify(b),
          headers: { 'content-type': 'application/json' },
        });
        if (answer.statusCode !== 200) return; // not a JSON object body at all: fastify refused it first
        const got = answer.json() as { fast: unknown; compiledRefused: boolean; original: unknown };
        const zod = quoteRequestSchema.safeParse(got.original);
        if (got.fast !== null) {
          accepted++;
          expect(zod.success).toBe(true);
          expect(got.fast).toEqual(zod.data);
        }
        if (zod.success) expect(got.compiledRefused).toBe(false);
        if (zod.success && zod.data.rewards === undefined) expect(got.fast).not.toBeNull();
      }),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('gives the real basket of 50 lines through without zod', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => ({
      id: String(i + 1),
      sku: `sku-${i}`,
      quantity: 1,
      unitPriceMinor: 10_000 + i,
      amountMinor: 10_000 + i,
    }));
    const answer = await app.inject({
      method: 'POST',
      url: '/q',
      payload: { basket: { currency: 'RUB', lines } },
    });
    const got = answer.json() as { fast: { basket: { lines: { tags: string[]; discountMinor: number }[] } } };
    expect(got.fast.basket.lines[49]).toEqual({ ...lines[49], tags: [], discountMinor: 0, promotions: [] });
  });
});
