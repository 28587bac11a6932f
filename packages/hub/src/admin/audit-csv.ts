import type { AuditEntry } from './admin-store';

/**
 * The audit trail as CSV (RFC 4180: comma, CRLF, quotes doubled), with a UTF-8 byte order
 * mark so spreadsheet programs read Cyrillic right. A cell that a spreadsheet would take for
 * a formula (= + - @ tab CR first) gets a leading apostrophe.
 */
export const auditCsvHeader = [
  'seq',
  'at_utc',
  'actor',
  'actor_role',
  'action',
  'target',
  'outcome',
  'address',
  'note',
  'before',
  'after',
];

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [auditCsvHeader.join(',')];
  for (const e of entries)
    lines.push(
      [
        e.seq,
        new Date(e.at).toISOString(),
        e.actor,
        e.actorRole,
        e.action,
        e.target,
        e.outcome,
        e.address,
        e.note,
        json(e.before),
        json(e.after),
      ]
        .map(csvCell)
        .join(','),
    );
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
