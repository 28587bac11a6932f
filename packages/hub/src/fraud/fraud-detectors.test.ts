import type { OutboxEntry } from '@tillpoint/ledger';
import { describe, expect, it } from 'vitest';
import { defaultFraudConfig, fraudConfigSchema } from './fraud-config';
import { FraudDetectors, levelOf } from './fraud-detectors';

describe('levelOf', () => {
  it.each([
    [4, null],
    [5, { level: 'soft', threshold: 5 }],
    [14, { level: 'soft', threshold: 5 }],
    [15, { level: 'hard', threshold: 15 }],
  ])('measured %i → %j', (measured, want) => {
    expect(levelOf({ windowMs: 1, soft: 5, hard: 15, action: 'none' }, measured)).toEqual(want);
  });

  it('a level left null is off', () => {
    expect(levelOf({ windowMs: 1, soft: null, hard: 3, action: 'none' }, 2)).toBeNull();
    expect(levelOf({ windowMs: 1, soft: null, hard: null, action: 'none' }, 1e9)).toBeNull();
  });
});

const adjustment = (seq: number, detail: OutboxEntry['detail'], points = 100): OutboxEntry => ({
  tillId: 't1',
  epoch: 'e1',
  seq,
  txnId: `x${seq}`,
  idempotencyKey: `k${seq}`,
  kind: 'adjustment',
  cardId: 'c1',
  occurredAt: 1_000_000 + seq * 60_000,
  rulesVersion: null,
  reverses: null,
  postings: [
    { leg: 0, account: 'member_available', amount: points, lotId: `lot${seq}` },
    { leg: 1, account: 'adjustments', amount: -points, lotId: null },
  ],
  newLots: [],
  detail,
  prevHash: '0'.repeat(64),
  hash: '0'.repeat(64),
});

describe('FraudDetectors', () => {
  it('a manual accrual by nobody, or by a role that may not authorise one, is an unexplained credit', () => {
    const d = new FraudDetectors(defaultFraudConfig);
    const kinds = (e: OutboxEntry) => d.observe({ storeId: 's1', entry: e }, null).map((a) => a.kind);
    expect(kinds(adjustment(1, {}))).toContain('unexplainedCredit');
    expect(kinds(adjustment(2, { actor: 'ann', role: 'cashier' }))).toContain('unexplainedCredit');
    expect(kinds(adjustment(3, { actor: 'bob', role: 'store_manager' }))).not.toContain('unexplainedCredit');
    // A write-off credits nothing.
    expect(kinds(adjustment(4, {}, -50))).not.toContain('unexplainedCredit');
  });

  it('counts manual adjustments per till in a shift: soft at 5, hard at 15, each raised once', () => {
    const config = fraudConfigSchema.parse({
      detectors: { tillManualAdjustments: { windowMs: 12 * 3_600_000, soft: 5, hard: 15 } },
    });
    const d = new FraudDetectors(config);
    const raised: { seq: number; level: string }[] = [];
    for (let seq = 1; seq <= 20; seq++)
      for (const a of d.observe(
        { storeId: 's1', entry: adjustment(seq, { actor: 'm', role: 'store_manager' }) },
        null,
      ))
        if (a.kind === 'tillManualAdjustments') raised.push({ seq, level: a.level });
    expect(raised).toEqual([
      { seq: 5, level: 'soft' },
      { seq: 15, level: 'hard' },
    ]);
  });
});
