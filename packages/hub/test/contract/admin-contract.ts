import { expect, it } from 'vitest';
import type { ContractContext } from './contract-context';

const signature = 'x'.repeat(88);

/** Head office's own writes: rule sets, and the store's errors. */
export function adminContract({ fresh, now }: ContractContext): void {
  it('refuses a rule set version published before with a readable conflict, changing nothing', async () => {
    const s = await fresh();
    await s.publishRuleSet({ version: '2026-12', effectiveFrom: 1_000, ruleSetJson: '{"a":1}', signature });
    const again = s.publishRuleSet({
      version: '2026-12',
      effectiveFrom: 2_000,
      ruleSetJson: '{"a":2}',
      signature,
    });
    await expect(again).rejects.toMatchObject({ name: 'HubStoreError', code: 'conflict' });
    await expect(again).rejects.toThrow(/2026-12.*already published.*new version/);
    const page = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now });
    expect(page.ruleSets.map((r) => [r.version, r.ruleSetJson])).toEqual([['2026-12', '{"a":1}']]);
  });

  it('refuses a second rule set taking effect at the same moment (the order would be ambiguous)', async () => {
    const s = await fresh();
    await s.publishRuleSet({ version: 'a', effectiveFrom: 5_000, ruleSetJson: '{}', signature });
    const same = s.publishRuleSet({ version: 'b', effectiveFrom: 5_000, ruleSetJson: '{}', signature });
    await expect(same).rejects.toMatchObject({ name: 'HubStoreError', code: 'conflict' });
    await expect(same).rejects.toThrow(/takes effect at the same moment/);
    await s.publishRuleSet({ version: 'b', effectiveFrom: 5_001, ruleSetJson: '{}', signature });
    const page = await s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now });
    expect(page.ruleSets.map((r) => r.version)).toEqual(['a', 'b']);
  });

  it('answers every call after close with a HubStoreError, never a raw database error', async () => {
    const s = await fresh();
    await s.close();
    await expect(s.getCard('card-a', now)).rejects.toMatchObject({
      name: 'HubStoreError',
      code: 'store_closed',
    });
    await expect(
      s.changesSince({ tillId: 't1', storeId: 's1', cursor: 0, limit: 10, now }),
    ).rejects.toMatchObject({ name: 'HubStoreError' });
    await s.close();
  });
}
