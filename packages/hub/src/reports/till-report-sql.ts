/**
 * The tills report's query, one text for both stores: each gives its own filter on the store
 * ids (`ANY($1)` in PostgreSQL, `json_each` in SQLite). Aliases are quoted so both keep the case.
 */
export function tillReportSql(storeFilter: string): string {
  return `SELECT t.till_id AS "tillId", t.store_id AS "storeId", t.secret_hash IS NOT NULL AS enrolled,
      c.last_push_at AS "lastPushAt", c.acked_seq AS "ackedSeq", r.last_entry_at AS "lastEntryAt",
      coalesce(tr.version, r.rules_version) AS "rulesVersion",
      coalesce(tr.version IN (SELECT version FROM rule_set WHERE target IS NOT NULL), false) AS "onPilot",
      coalesce(r.entries, 0) AS entries, a.agent_version AS "agentVersion", a.seen_at AS "agentSeenAt"
    FROM till t
    LEFT JOIN (SELECT till_id, max(updated_at) AS last_push_at, max(last_seq) AS acked_seq FROM till_cursor
      GROUP BY till_id) c ON c.till_id = t.till_id
    LEFT JOIN report_till r ON r.till_id = t.till_id
    LEFT JOIN report_till_agent a ON a.till_id = t.till_id
    LEFT JOIN till_rules tr ON tr.till_id = t.till_id
    WHERE ${storeFilter}
    ORDER BY t.store_id, t.till_id LIMIT 10000`;
}
