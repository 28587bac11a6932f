import { verifyRuleSet } from '@tillpoint/protocol';
import { expect, it } from 'vitest';
import type { HubStore } from '../../src/hub-store';
import { retargetRuleSets } from '../../src/rule-rollout';
import { generateHubKeys, signRuleSet } from '../../src/rule-signing';
import type { ContractContext } from './contract-context';

const keys = generateHubKeys();
const program = (percent: number) =>
  JSON.stringify({
    id: 'club',
    name: 'Club',
    currency: 'RUB',
    pointValueMinor: 100,
    earn: [{ type: 'cashback', id: 'base', percent }],
  });

/** What a till of `storeId` pulls from `cursor` (version 3 reads targets unless told otherwise). */
async function pull(s: HubStore, tillId: string, storeId: string, cursor: number, now: number, version = 3) {
  return s.changesSince({ tillId, storeId, cursor, limit: 100, now, version: version as 1 | 2 | 3 });
}

/**
 * Rule sets for store groups (issue 16): the contexts have store s1 (tills t1, t2) and s2 (t3).
 */
export function ruleTargetContract({ fresh, now }: ContractContext): void {
  it('sends a store-group rule set only to the stores of its group, signed with its target', async () => {
    const s = await fresh();
    await s.setStoreGroup({ group: 'pilot', stores: ['s1'], resigned: [] });
    const base = signRuleSet(keys, { version: 'v1', effectiveFrom: now - 10, ruleSetJson: program(2) });
    const pilot = signRuleSet(keys, {
      version: 'v2',
      effectiveFrom: now - 5,
      ruleSetJson: program(5),
      target: { groups: ['pilot'], stores: ['s1'] },
    });
    await s.publishRuleSet(base, { publishedAt: now - 20 });
    await s.publishRuleSet(pilot, { publishedAt: now - 15 });

    const atS1 = await pull(s, 't1', 's1', 0, now);
    expect(atS1.ruleSets).toEqual([base, pilot]);
    expect(atS1.ruleSets.every((r) => verifyRuleSet(keys.publicKeyPem, r))).toBe(true);
    const atS2 = await pull(s, 't3', 's2', 0, now);
    expect(atS2.ruleSets).toEqual([base]);
    // A till from before targets (pull version 2) cannot read a target: it gets the sets for every store.
    const oldTill = await pull(s, 't2', 's1', 0, now, 2);
    expect(oldTill.ruleSets).toEqual([base]);

    expect(await s.storeGroups()).toEqual([{ group: 'pilot', stores: ['s1'] }]);
    const published = await s.publishedRuleSets(10);
    expect(published).toEqual([
      { ...pilot, publishedAt: now - 15, rollsBack: null },
      { ...base, publishedAt: now - 20, rollsBack: null },
    ]);
  });

  it("a group's new stores take effect on the next pull: the set signed again reaches them, and the stores that left drop it", async () => {
    const s = await fresh();
    await s.setStoreGroup({ group: 'pilot', stores: ['s1'], resigned: [] });
    const pilot = signRuleSet(keys, {
      version: 'v2',
      effectiveFrom: now - 5,
      ruleSetJson: program(5),
      target: { groups: ['pilot'], stores: ['s1'] },
    });
    await s.publishRuleSet(pilot);
    const t1 = await pull(s, 't1', 's1', 0, now);
    const t3 = await pull(s, 't3', 's2', 0, now);
    expect(t1.ruleSets.map((r) => r.version)).toEqual(['v2']);
    expect(t3.ruleSets).toEqual([]);

    // The pilot moves from s1 to s2 (what `store-group set` does: sign the group's sets again).
    const after = [{ group: 'pilot', stores: ['s2'] }];
    const changed = retargetRuleSets(await s.publishedRuleSets(10), 'pilot', after);
    expect(changed.map((c) => [c.version, c.target])).toEqual([
      ['v2', { groups: ['pilot'], stores: ['s2'] }],
    ]);
    const resigned = changed.map((c) => signRuleSet(keys, c));
    await s.setStoreGroup({ group: 'pilot', stores: ['s2'], resigned });

    const t3Next = await pull(s, 't3', 's2', t3.cursor, now);
    expect(t3Next.ruleSets).toEqual(resigned);
    expect(verifyRuleSet(keys.publicKeyPem, t3Next.ruleSets[0] as (typeof resigned)[number])).toBe(true);
    // s1 left: its tills get the set once more, signed for s2 only, and drop it.
    const t1Next = await pull(s, 't1', 's1', t1.cursor, now);
    expect(t1Next.ruleSets.map((r) => [r.version, r.target?.stores])).toEqual([['v2', ['s2']]]);
    expect(await pull(s, 't1', 's1', t1Next.cursor, now)).toMatchObject({ ruleSets: [] });
    expect(await s.storeGroups()).toEqual([{ group: 'pilot', stores: ['s2'] }]);

    await s.setStoreGroup({ group: 'pilot', stores: [], resigned: [] });
    expect(await s.storeGroups()).toEqual([]);
  });

  it('keeps the last rule-set version each till reported, for every till', async () => {
    const s = await fresh();
    await s.noteRulesInForce('t1', 'v1', now);
    await s.noteRulesInForce('t1', 'v2', now + 7);
    await s.noteRulesInForce('t3', null, now + 9);
    expect(await s.tillRulesInForce()).toEqual([
      { tillId: 't1', storeId: 's1', version: 'v2', reportedAt: now + 7 },
      { tillId: 't2', storeId: 's1', version: null, reportedAt: null },
      { tillId: 't3', storeId: 's2', version: null, reportedAt: now + 9 },
    ]);
  });

  it('records what a rollback rolls back', async () => {
    const s = await fresh();
    const again = signRuleSet(keys, {
      version: 'rollback-of-v2',
      effectiveFrom: now,
      ruleSetJson: program(2),
    });
    await s.publishRuleSet(again, { publishedAt: now, rollsBack: 'v2' });
    expect(await s.publishedRuleSets(5)).toEqual([{ ...again, publishedAt: now, rollsBack: 'v2' }]);
  });
}
