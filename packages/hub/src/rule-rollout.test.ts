import { describe, expect, it } from 'vitest';
import type { PublishedRuleSet } from './hub-store';
import { planRollback, retargetRuleSets, ruleSetDueAt, targetOfGroups, tillRulesRows } from './rule-rollout';

const set = (version: string, effectiveFrom: number, json: string, target?: PublishedRuleSet['target']) =>
  ({
    version,
    effectiveFrom,
    ruleSetJson: json,
    ...(target === undefined ? {} : { target }),
    signature: 's'.repeat(88),
    publishedAt: null,
    rollsBack: null,
  }) satisfies PublishedRuleSet;

const groups = [
  { group: 'pilot', stores: ['s1'] },
  { group: 'north', stores: ['s3', 's1'] },
];
const base = set('v1', 100, '{"p":2}');
const pilot = set('v2', 200, '{"p":5}', { groups: ['pilot'], stores: ['s1'] });
const rollout = set('v3', 300, '{"p":5}');

describe('rule-set rollout decisions', () => {
  it('targets the groups named with every store they hold, sorted; none: every store', () => {
    expect(targetOfGroups(undefined, groups)).toEqual({ ok: true, value: undefined });
    expect(targetOfGroups(['pilot', 'north', 'pilot'], groups)).toEqual({
      ok: true,
      value: { groups: ['north', 'pilot'], stores: ['s1', 's3'] },
    });
    expect(targetOfGroups(['pilto'], groups)).toMatchObject({ ok: false, code: 'group_unknown' });
  });

  it('signs again only the sets naming the group whose stores changed', () => {
    const after = [
      { group: 'pilot', stores: ['s1', 's2'] },
      { group: 'north', stores: ['s3'] },
    ];
    const both = set('v4', 400, '{}', { groups: ['north', 'pilot'], stores: ['s1', 's3'] });
    expect(retargetRuleSets([base, pilot, both], 'pilot', after)).toEqual([
      {
        version: 'v2',
        effectiveFrom: 200,
        ruleSetJson: '{"p":5}',
        target: { groups: ['pilot'], stores: ['s1', 's2'] },
      },
      {
        version: 'v4',
        effectiveFrom: 400,
        ruleSetJson: '{}',
        target: { groups: ['north', 'pilot'], stores: ['s1', 's2', 's3'] },
      },
    ]);
    expect(retargetRuleSets([pilot], 'north', after)).toEqual([]);
    expect(retargetRuleSets([pilot], 'pilot', [])).toMatchObject([{ target: { stores: [] } }]);
  });

  it('rolls back to the set before the one in force for the target, naming what it rolls back', () => {
    // Every store: v3 (the rollout) in force, v1 before it.
    expect(planRollback([base, pilot, rollout], { now: 350 })).toEqual({
      ok: true,
      value: { rollsBack: 'v3', restores: 'v1', ruleSetJson: '{"p":2}', version: 'rollback-of-v3' },
    });
    // The pilot group: v2 in force there (before the rollout), v1 (every store) before it.
    expect(planRollback([base, pilot, rollout], { groups: ['pilot'], now: 250 })).toMatchObject({
      ok: true,
      value: { rollsBack: 'v2', restores: 'v1', version: 'rollback-of-v2' },
    });
    // A set not yet effective is not the one in force.
    expect(planRollback([base, rollout], { now: 250 })).toMatchObject({
      ok: false,
      code: 'nothing_to_roll_back',
    });
    const once = set('rollback-of-v3', 360, '{"p":2}');
    expect(planRollback([base, rollout, once, set('v5', 370, '{}')], { now: 400 })).toMatchObject({
      value: { rollsBack: 'v5', version: 'rollback-of-v5' },
    });
    expect(planRollback([base, rollout, once], { now: 400, version: 'x' })).toMatchObject({
      value: { rollsBack: 'rollback-of-v3', restores: 'v3', version: 'x' },
    });
    expect(
      planRollback([base, set('v3', 300, '{}'), set('rollback-of-v3', 301, '{}')], { now: 302 }),
    ).toMatchObject({
      value: { version: 'rollback-of-rollback-of-v3' },
    });
    expect(planRollback([base, set('v'.repeat(60), 300, '{}')], { now: 400 })).toMatchObject({
      ok: false,
      code: 'version_too_long',
    });
  });

  it('numbers a second rollback of the same version', () => {
    const sets = [base, rollout, set('rollback-of-v3', 301, '{"p":2}'), set('v3b', 302, '{}')];
    // v3b in force; rolling back v3b → rollback-of-v3b (free); then a rollback of v3 again would take -2.
    expect(planRollback(sets, { now: 400 })).toMatchObject({ value: { version: 'rollback-of-v3b' } });
    const again = [base, set('v3', 300, '{}'), set('rollback-of-v3', 200, '{}')];
    expect(planRollback(again, { now: 400 })).toMatchObject({
      value: { rollsBack: 'v3', version: 'rollback-of-v3-2' },
    });
  });

  it('tells which version each store is due and whether each till reported it', () => {
    expect(ruleSetDueAt([base, pilot], 's1', 250)?.version).toBe('v2');
    expect(ruleSetDueAt([base, pilot], 's2', 250)?.version).toBe('v1');
    expect(ruleSetDueAt([base, pilot], 's1', 50)).toBeUndefined();
    expect(
      tillRulesRows(
        [
          { tillId: 't1', storeId: 's1', version: 'v2', reportedAt: 240 },
          { tillId: 't2', storeId: 's1', version: 'v1', reportedAt: 240 },
          { tillId: 't3', storeId: 's2', version: null, reportedAt: null },
        ],
        [base, pilot],
        250,
      ).map((r) => [r.tillId, r.due, r.upToDate]),
    ).toEqual([
      ['t1', 'v2', true],
      ['t2', 'v2', false],
      ['t3', 'v1', false],
    ]);
  });
});
