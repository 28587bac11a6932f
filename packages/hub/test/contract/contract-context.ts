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
}
