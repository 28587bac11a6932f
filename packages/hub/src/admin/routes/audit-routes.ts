import { z } from 'zod';
import {
  auditFilterSchema,
  auditListQuerySchema,
  auditListResponseSchema,
  publicAuditEntry,
} from '../admin-api-schemas';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';
import type { AuditEntry, AuditQuery } from '../admin-store';
import { auditCsv } from '../audit-csv';

/** Most lines one CSV export holds; a longer period must be exported in parts. */
export const auditExportRowsMax = 100_000;
const exportPageRows = 2_000;

type AuditFilter = z.infer<typeof auditFilterSchema>;

function queryOf(filter: AuditFilter): Omit<AuditQuery, 'limit'> {
  return {
    ...(filter.from !== undefined ? { from: filter.from } : {}),
    ...(filter.to !== undefined ? { to: filter.to } : {}),
    ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
    ...(filter.action !== undefined ? { action: filter.action } : {}),
  };
}

const list = adminRoute({
  method: 'GET',
  url: '/audit',
  access: 'audit.read',
  tag: 'audit',
  summary: 'The audit trail, newest first, filtered by period, actor and action (or area: `users.`)',
  query: auditListQuerySchema,
  response: auditListResponseSchema,
  async handle({ query, deps }) {
    const entries = await deps.store.listAudit({
      ...queryOf(query),
      ...(query.before !== undefined ? { beforeSeq: query.before } : {}),
      limit: query.limit,
    });
    const last = entries.at(-1);
    return {
      ok: true,
      body: {
        entries: entries.map(publicAuditEntry),
        nextBefore: entries.length === query.limit && last ? last.seq : null,
      },
    };
  },
});

const exportCsv = adminRoute({
  method: 'GET',
  url: '/audit/export.csv',
  access: 'audit.export',
  tag: 'audit',
  summary: `The audit trail as CSV, same filters, newest first (at most ${auditExportRowsMax} lines); the export is itself audited`,
  query: auditFilterSchema,
  response: z.string().describe('text/csv'),
  csv: true,
  async handle({ query, deps, now, audit }) {
    const base = queryOf(query);
    const entries: AuditEntry[] = [];
    let beforeSeq: number | undefined;
    for (;;) {
      const page = await deps.store.listAudit({
        ...base,
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
        limit: exportPageRows,
      });
      entries.push(...page);
      if (entries.length > auditExportRowsMax)
        return refusal(
          'export_too_large',
          `more than ${auditExportRowsMax} lines: export a shorter period, or one actor or action at a time`,
        );
      if (page.length < exportPageRows) break;
      beforeSeq = page.at(-1)?.seq;
    }
    await audit({ action: 'audit.export', note: `${entries.length} lines`, after: { filter: base } });
    const day = new Date(now).toISOString().slice(0, 10);
    return { ok: true, body: auditCsv(entries), csvFilename: `tillpoint-audit-${day}.csv` };
  },
});

export const auditRoutes = [list, exportCsv] as AdminRoute[];
