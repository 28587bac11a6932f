import type { TierPolicy } from '../../src/chain/tier-window';
import type { HubStore } from '../../src/hub-store';

/**
 * What each section of the contract suite gets: `fresh()` opens an empty store with three
 * tills (t1 and t2 in store s1, t3 in store s2, none enrolled); `now` is the hub clock the
 * sections use unless a test says otherwise.
 */
export interface ContractContext {
  name: string;
  fresh(): Promise<HubStore>;
  now: number;
  /** fast-check runs of the property tests (fewer on PostgreSQL, where a run costs more). */
  propertyRuns: number;
  /**
   * Every value of every column of every table of the store, as text, read from the database's
   * own catalog (so a table added later is read too): the erasure tests search it.
   */
  catalog?: (store: HubStore) => Promise<CatalogCell[]>;
  /** A fresh store whose tiers count the given window (`tierPolicy` option). */
  freshWithPolicy?: (policy: TierPolicy) => Promise<HubStore>;
  /** The same database opened again with another tier policy (the store given is closed). */
  reopenWithPolicy?: (store: HubStore, policy: TierPolicy) => Promise<HubStore>;
}

export interface CatalogCell {
  table: string;
  column: string;
  value: string;
}
