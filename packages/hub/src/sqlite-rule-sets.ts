import type { SignedRuleSet } from '@tillpoint/protocol';
import type Database from 'better-sqlite3';
import type * as hub from './hub-store';
import { publishedRuleSet, type RuleSetRecord, ruleSetRowValues } from './pull-plan';
import { audienceAfter } from './rule-rollout';
import { ruleSetConflict } from './write-checks';

const ruleSetColumns = `version, effective_from AS effectiveFrom, rule_set_json AS ruleSetJson, target, signature,
  published_at AS publishedAt, rolls_back AS rollsBack`;

/**
 * Rule sets, store groups and the version each till reports, on the SQLite hub (statements
 * prepared once). Synchronous: the store calls these inside its own transactions.
 */
export class SqliteRuleSets {
  readonly #s;

  constructor(
    db: Database.Database,
    private readonly takeNumbers: Database.Statement,
  ) {
    this.#s = {
      ofVersion: db.prepare('SELECT effective_from FROM rule_set WHERE version = ?').pluck(),
      at: db.prepare('SELECT version FROM rule_set WHERE effective_from = ?').pluck(),
      insert: db.prepare(
        `INSERT INTO rule_set (seq, version, effective_from, rule_set_json, signature, target, audience, published_at,
           rolls_back) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      published: db.prepare(`SELECT ${ruleSetColumns} FROM rule_set ORDER BY effective_from DESC LIMIT ?`),
      audience: db.prepare('SELECT audience FROM rule_set WHERE version = ?').pluck(),
      resign: db.prepare(
        'UPDATE rule_set SET seq = ?, target = ?, audience = ?, signature = ? WHERE version = ? AND target IS NOT NULL',
      ),
      groups: db.prepare(
        'SELECT group_name AS "group", json_group_array(store_id) AS stores FROM (SELECT * FROM store_group ORDER BY group_name, store_id) GROUP BY group_name ORDER BY group_name',
      ),
      clearGroup: db.prepare('DELETE FROM store_group WHERE group_name = ?'),
      addToGroup: db.prepare(
        'INSERT INTO store_group (group_name, store_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
      ),
      noteInForce: db.prepare(
        `INSERT INTO till_rules (till_id, version, reported_at) VALUES (?, ?, ?)
         ON CONFLICT (till_id) DO UPDATE SET version = excluded.version, reported_at = excluded.reported_at`,
      ),
      tills: db.prepare(
        `SELECT t.till_id AS tillId, t.store_id AS storeId, r.version, r.reported_at AS reportedAt
         FROM till t LEFT JOIN till_rules r ON r.till_id = t.till_id ORDER BY t.store_id, t.till_id LIMIT 10000`,
      ),
    };
  }

  publish(ruleSet: SignedRuleSet, publication: hub.RuleSetPublication | undefined): void {
    const conflict = ruleSetConflict(ruleSet, {
      effectiveFromOfVersion: this.#s.ofVersion.get(ruleSet.version) as number | undefined,
      versionAtEffectiveFrom: this.#s.at.get(ruleSet.effectiveFrom) as string | undefined,
    });
    if (conflict) throw conflict;
    this.#s.insert.run(...ruleSetRowValues(this.takeNumbers.get(1) as number, ruleSet, publication));
  }

  published(limit: number): hub.PublishedRuleSet[] {
    return (this.#s.published.all(limit) as RuleSetRecord[]).map(publishedRuleSet);
  }

  groups(): hub.StoreGroup[] {
    return (this.#s.groups.all() as { group: string; stores: string }[]).map((g) => ({
      group: g.group,
      stores: JSON.parse(g.stores) as string[],
    }));
  }

  setGroup({ group, stores, resigned }: hub.StoreGroupChange): void {
    this.#s.clearGroup.run(group);
    for (const store of stores) this.#s.addToGroup.run(group, store);
    for (const set of resigned) {
      const before = this.#s.audience.get(set.version) as string | null | undefined;
      const audience = audienceAfter(before ? (JSON.parse(before) as string[]) : null, set.target);
      const seq = this.takeNumbers.get(1) as number;
      this.#s.resign.run(
        seq,
        JSON.stringify(set.target),
        JSON.stringify(audience),
        set.signature,
        set.version,
      );
    }
  }

  noteInForce(tillId: string, version: string | null, now: number): void {
    this.#s.noteInForce.run(tillId, version, now);
  }

  tills(): hub.TillRulesInForce[] {
    return this.#s.tills.all() as hub.TillRulesInForce[];
  }
}
