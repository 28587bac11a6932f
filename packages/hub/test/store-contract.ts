import { createHash } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import type { TierPolicy } from '../src/chain/tier-window';
import type { HubStore } from '../src/hub-store';
import { adminContract } from './contract/admin-contract';
import { chainProfileContract } from './contract/chain-profile-contract';
import { chainPropertyContract } from './contract/chain-property-contract';
import { chainRewardContract } from './contract/chain-reward-contract';
import { chainSalesContract } from './contract/chain-sales-contract';
import { chainTierContract } from './contract/chain-tier-contract';
import type { CatalogCell, ContractContext } from './contract/contract-context';
import { feedPagingContract } from './contract/feed-paging-contract';
import { lotContract } from './contract/lot-contract';
import { lotPropertyContract } from './contract/lot-property-contract';
import { pullContract } from './contract/pull-contract';
import { pushContract } from './contract/push-contract';
import { ruleTargetContract } from './contract/rule-target-contract';
import { serverContract } from './contract/server-contract';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The one contract every hub store passes (SQLite and PostgreSQL), in sections under
 * `contract/`. `open` gives a fresh, empty store for each test.
 */
export function hubStoreContract(
  name: string,
  open: () => Promise<HubStore>,
  options: {
    timeoutMs?: number;
    propertyRuns?: number;
    catalog?: (store: HubStore) => Promise<CatalogCell[]>;
    openWithPolicy?: (policy: TierPolicy) => Promise<HubStore>;
    reopenWithPolicy?: (store: HubStore, policy: TierPolicy) => Promise<HubStore>;
  } = {},
): void {
  describe(`HubStore contract: ${name}`, { timeout: options.timeoutMs ?? 20_000 }, () => {
    const stores: HubStore[] = [];
    const now = 10_000;
    const withTills = async (store: HubStore) => {
      stores.push(store);
      for (const [storeId, tillId] of [
        ['s1', 't1'],
        ['s1', 't2'],
        ['s2', 't3'],
      ] as const)
        await store.addTill({
          storeId,
          tillId,
          codeHash: sha(`code-${tillId.slice(1)}`),
          codeExpiresAt: now + 60_000,
        });
      return store;
    };
    const fresh = async () => withTills(await open());
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    const { openWithPolicy, reopenWithPolicy } = options;
    const context: ContractContext = {
      name,
      fresh,
      now,
      propertyRuns: options.propertyRuns ?? 40,
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(openWithPolicy
        ? { freshWithPolicy: async (policy: TierPolicy) => withTills(await openWithPolicy(policy)) }
        : {}),
      ...(reopenWithPolicy
        ? {
            reopenWithPolicy: async (store: HubStore, policy: TierPolicy) => {
              const again = await reopenWithPolicy(store, policy);
              stores.push(again);
              return again;
            },
          }
        : {}),
    };
    pushContract(context);
    pullContract(context);
    ruleTargetContract(context);
    feedPagingContract(context);
    lotContract(context);
    lotPropertyContract(context);
    adminContract(context);
    serverContract(context);
    chainSalesContract(context);
    chainProfileContract(context);
    chainTierContract(context);
    chainPropertyContract(context);
    chainRewardContract(context);
  });
}
