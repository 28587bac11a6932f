import { syncPullRuleSetsMax } from '@tillpoint/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feedReads, planFeedPage } from './pull-plan';

const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq }));

describe('planFeedPage', () => {
  it('sends everything up to the head when every part fits', () => {
    expect(
      planFeedPage({
        cursor: 3,
        head: 9,
        limit: 3,
        balances: rows(4, 8),
        blocklist: rows(5),
        ruleSets: rows(9),
      }),
    ).toEqual({ cursor: 9, more: false, balances: rows(4, 8), blocklist: rows(5), ruleSets: rows(9) });
  });

  it('cuts every part before the first number a full part could not send', () => {
    // limit 2: balances read 3 rows, so the page ends before 7; the blocklist's 7 waits too.
    const page = planFeedPage({
      cursor: 0,
      head: 20,
      limit: 2,
      balances: rows(2, 5, 7),
      blocklist: rows(1, 7),
      ruleSets: rows(6),
    });
    expect(page).toEqual({
      cursor: 6,
      more: true,
      balances: rows(2, 5),
      blocklist: rows(1),
      ruleSets: rows(6),
    });
  });

  it('pages rule sets 16 at a time', () => {
    const ruleSets = rows(...Array.from({ length: feedReads(1).ruleSets }, (_, i) => i + 1));
    const page = planFeedPage({ cursor: 0, head: 100, limit: 10, balances: [], blocklist: [], ruleSets });
    expect(page.ruleSets).toHaveLength(syncPullRuleSetsMax);
    expect(page.cursor).toBe(syncPullRuleSetsMax);
  });

  it('answers an empty page at the head', () => {
    expect(planFeedPage({ cursor: 5, head: 5, limit: 1, balances: [], blocklist: [], ruleSets: [] })).toEqual(
      {
        cursor: 5,
        more: false,
        balances: [],
        blocklist: [],
        ruleSets: [],
      },
    );
  });

  it('refuses rows outside (cursor, head] or numbered twice (a store bug)', () => {
    const page = (balances: { seq: number }[]) =>
      planFeedPage({ cursor: 2, head: 9, limit: 5, balances, blocklist: [], ruleSets: [] });
    expect(() => page(rows(2))).toThrow(/ascend/);
    expect(() => page(rows(10))).toThrow(/ascend/);
    expect(() => page(rows(4, 4))).toThrow(/ascend/);
  });

  it('pages any feed to its end, each item once, each part within its bound', () => {
    // A feed as a store holds it: per number, a card change, a block change, a rule set or nothing.
    const feed = fc.array(fc.constantFrom('card', 'block', 'both', 'rules', 'none'), { maxLength: 300 });
    fc.assert(
      fc.property(feed, fc.integer({ min: 1, max: 7 }), (kinds, limit) => {
        const head = kinds.length;
        const numbered = (want: string[]) =>
          kinds.flatMap((kind, i) => (want.includes(kind) ? [{ seq: i + 1 }] : []));
        const cards = numbered(['card', 'both']);
        const blocks = numbered(['block', 'both']);
        const rules = numbered(['rules']);
        const read = (all: { seq: number }[], cursor: number, max: number) =>
          all.filter((r) => r.seq > cursor).slice(0, max);
        const got = { cards: [] as number[], blocks: [] as number[], rules: [] as number[] };
        let cursor = 0;
        for (let i = 0; i <= head + 1; i++) {
          const page = planFeedPage({
            cursor,
            head,
            limit,
            balances: read(cards, cursor, feedReads(limit).cards),
            blocklist: read(blocks, cursor, feedReads(limit).cards),
            ruleSets: read(rules, cursor, feedReads(limit).ruleSets),
          });
          expect(page.balances.length).toBeLessThanOrEqual(limit);
          expect(page.blocklist.length).toBeLessThanOrEqual(limit);
          expect(page.ruleSets.length).toBeLessThanOrEqual(syncPullRuleSetsMax);
          got.cards.push(...page.balances.map((r) => r.seq));
          got.blocks.push(...page.blocklist.map((r) => r.seq));
          got.rules.push(...page.ruleSets.map((r) => r.seq));
          cursor = page.cursor;
          if (!page.more) break;
        }
        expect(cursor).toBe(head);
        expect(got).toEqual({
          cards: cards.map((r) => r.seq),
          blocks: blocks.map((r) => r.seq),
          rules: rules.map((r) => r.seq),
        });
      }),
    );
  });
});
