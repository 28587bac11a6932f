import type { SignedRuleSet } from '@tillpoint/protocol';
import type * as hub from './hub-store';
import type { FeedNumbering } from './postgres-feed';
import type { PostgresTransactions } from './postgres-transactions';
import { prepared } from './postgres-write';
import { publishedRuleSet, ruleSetRowValues } from './pull-plan';
import { audienceAfter } from './rule-rollout';
import { ruleSetConflict } from './write-checks';

const sql = {
  held: `SELECT (SELECT effective_from FROM rule_set WHERE version = $1) AS "effectiveFromOfVersion",
    (SELECT version FROM rule_set WHERE effective_from = $2 LIMIT 1) AS "versionAtEffectiveFrom"`,
  insert: `INSERT INTO rule_set (seq, version, effective_from, rule_set_json, signature, target, audience, published_at,
    rolls_back) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  published: `SELECT version, effective_from AS "effectiveFrom", rule_set_json AS "ruleSetJson", target, signature,
    published_at AS "publishedAt", rolls_back AS "rollsBack" FROM rule_set ORDER BY effective_from DESC LIMIT $1`,
  audience: 'SELECT audience FROM rule_set WHERE version = $1',
  resign: `UPDATE rule_set SET seq = $1, target = $2, audience = $3, signature = $4
    WHERE version = $5 AND target IS NOT NULL`,
  groups: `SELECT group_name AS "group", array_agg(store_id ORDER BY store_id) AS stores FROM store_group
    GROUP BY group_name ORDER BY group_name`,
  /** Serialises group changes (two at once would each re-sign from the other's old membership). */
  lockGroups: 'LOCK TABLE store_group IN SHARE ROW EXCLUSIVE MODE',
  clearGroup: 'DELETE FROM store_group WHERE group_name = $1',
  addToGroup: `INSERT INTO store_group (group_name, store_id) SELECT $1, unnest($2::text[])
    ON CONFLICT DO NOTHING`,
  noteInForce: `INSERT INTO till_rules (till_id, version, reported_at) VALUES ($1, $2, $3)
    ON CONFLICT (till_id) DO UPDATE SET version = excluded.version, reported_at = excluded.reported_at`,
  tills: `SELECT t.till_id AS "tillId", t.store_id AS "storeId", r.version, r.reported_at AS "reportedAt"
    FROM till t LEFT JOIN till_rules r ON r.till_id = t.till_id ORDER BY t.store_id, t.till_id LIMIT 10000`,
} as const;

/**
 * Rule sets, store groups and the version each till reports, on PostgreSQL. A publication and
 * a re-signing take feed numbers through the feed's numbering (`numbered`), as publications did.
 */
export class PostgresRuleSets {
  constructor(
    private readonly db: PostgresTransactions,
    private readonly feed: FeedNumbering,
  ) {}

  publish(ruleSet: SignedRuleSet, publication: hub.RuleSetPublication | undefined): Promise<void> {
    return this.feed.numbered('publishing a rule set', async (client, seq) => {
      const held = (await prepared(client, sql.held, [ruleSet.version, ruleSet.effectiveFrom])).rows[0];
      const conflict = ruleSetConflict(ruleSet, {
        effectiveFromOfVersion: held?.effectiveFromOfVersion ?? undefined,
        versionAtEffectiveFrom: held?.versionAtEffectiveFrom ?? undefined,
      });
      if (conflict) throw conflict;
      await prepared(client, sql.insert, ruleSetRowValues(seq, ruleSet, publication));
      return { value: undefined, used: 1 };
    });
  }

  async published(limit: number): Promise<hub.PublishedRuleSet[]> {
    const rows = await this.db.run('reading rule sets', () => this.db.pool.query(sql.published, [limit]));
    return rows.rows.map(publishedRuleSet);
  }

  async groups(): Promise<hub.StoreGroup[]> {
    const rows = await this.db.run('reading store groups', () => this.db.pool.query(sql.groups));
    return rows.rows as hub.StoreGroup[];
  }

  setGroup({ group, stores, resigned }: hub.StoreGroupChange): Promise<void> {
    return this.feed.numbered('setting a store group', async (client, first) => {
      await client.query(sql.lockGroups);
      await prepared(client, sql.clearGroup, [group]);
      if (stores.length > 0) await prepared(client, sql.addToGroup, [group, [...stores]]);
      let seq = first;
      for (const set of resigned) {
        const before = (await prepared(client, sql.audience, [set.version])).rows[0]?.audience as
          | string
          | null
          | undefined;
        const audience = audienceAfter(before ? (JSON.parse(before) as string[]) : null, set.target);
        await prepared(client, sql.resign, [
          seq,
          JSON.stringify(set.target),
          JSON.stringify(audience),
          set.signature,
          set.version,
        ]);
        seq += 1;
      }
      return { value: undefined, used: resigned.length };
    });
  }

  async noteInForce(tillId: string, version: string | null, now: number): Promise<void> {
    await this.db.run('noting a till’s rule set', () =>
      this.db.pool.query(sql.noteInForce, [tillId, version, now]),
    );
  }

  async tills(): Promise<hub.TillRulesInForce[]> {
    const rows = await this.db.run('reading the tills’ rule sets', () => this.db.pool.query(sql.tills));
    return (rows.rows as hub.TillRulesInForce[]).map((r) => ({
      ...r,
      reportedAt: r.reportedAt === null ? null : Number(r.reportedAt),
    }));
  }
}
