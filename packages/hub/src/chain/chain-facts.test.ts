import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { describe, expect, it } from 'vitest';
import { chainFacts, journalBody } from './chain-facts';
import { dayMs } from './tier-window';

describe('chainFacts', () => {
  it('rows for each sale and line, spend per card and UTC day, counters, claims in stream order', () => {
    const till = new SyntheticTill('t1');
    const welcome = { ruleId: 'w', points: 50, grantOnceKey: 'welcome' };
    till.sell('a', {
      receiptId: 'R1',
      lines: [{ lineId: 'x', quantity: 0.25, unitPriceMinor: 400, earnedPoints: 1 }],
      bonuses: [welcome],
      at: dayMs + 5,
    });
    till.sell('a', {
      receiptId: 'R2',
      lines: [{ lineId: 'y', quantity: 1, unitPriceMinor: 300, earnedPoints: 3 }],
      bonuses: [welcome],
      at: dayMs + 9,
    });
    till.sell('b', {
      receiptId: 'R3',
      lines: [{ lineId: 'z', quantity: 2, unitPriceMinor: 50, earnedPoints: 0 }],
      at: 2 * dayMs,
    });
    till.enrol('b', 'ref-b', 7);
    const facts = chainFacts(till.entries);
    expect(
      facts.sales.map((s) => [
        s.cardId,
        s.receiptId,
        s.spendMinor,
        s.earnedPoints,
        s.bonusPoints,
        s.lineCount,
      ]),
    ).toEqual([
      ['a', 'R1', 100, 51, 50, 1],
      ['a', 'R2', 300, 53, 50, 1],
      ['b', 'R3', 100, 0, 0, 1],
    ]);
    expect(facts.lines.map((l) => [l.txnId, l.lineNo, l.quantityMicro])).toEqual([
      [till.entries[0]?.txnId, 0, 250_000],
      [till.entries[1]?.txnId, 0, 1_000_000],
      [till.entries[2]?.txnId, 0, 2_000_000],
    ]);
    expect(facts.days).toEqual([
      { cardId: 'a', day: 1, spendMinor: 400 },
      { cardId: 'b', day: 2, spendMinor: 100 },
    ]);
    expect(facts.counters).toEqual([
      { cardId: 'a', spendMinor: 400, purchases: 2 },
      { cardId: 'b', spendMinor: 100, purchases: 1 },
    ]);
    expect(facts.claims.map((c) => c.txnId)).toEqual([till.entries[0]?.txnId]);
    expect(facts.duplicateClaims.map((c) => [c.txnId, c.heldBy])).toEqual([
      [till.entries[1]?.txnId, till.entries[0]?.txnId],
    ]);
    expect(facts.enrolments).toEqual([
      {
        cardId: 'b',
        txnId: till.entries[3]?.txnId,
        tillId: 't1',
        profileRef: 'ref-b',
        consentAt: 7,
        occurredAt: 7,
        legacyPhone: null,
      },
    ]);
  });

  it('blanks the phone an enrolment from before this design carries, and notes it', () => {
    const till = new SyntheticTill('t1');
    const entry = till.enrolLegacy('c', '+79160001122');
    const facts = chainFacts([entry]);
    expect(facts.enrolments[0]?.legacyPhone).toBe('+79160001122');
    expect(facts.redactions).toEqual([
      { cardId: 'c', tillId: 't1', epoch: entry.epoch, seq: 1, field: 'detail.phone' },
    ]);
    const body = journalBody(entry);
    expect(body).not.toContain('79160001122');
    expect(JSON.parse(body)).toEqual({ ...entry, detail: { ...entry.detail, phone: null } });
    expect(journalBody(till.enrol('c', 'r'))).toBe(JSON.stringify(till.entries[1]));
  });
});
