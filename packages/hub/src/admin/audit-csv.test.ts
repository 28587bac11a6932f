import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditCsv, csvCell } from './audit-csv';

/** A small RFC 4180 reader, written apart from the writer: the oracle. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('audit CSV', () => {
  it('any text survives a round trip through a CSV reader (formula starts get an apostrophe)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const [[cell]] = readCsv(`${csvCell(text)}\r\n`) as [[string]];
        expect(cell).toBe(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
      }),
    );
  });

  it('writes the header, a BOM, ISO times in UTC, JSON before and after', () => {
    const csv = auditCsv([
      {
        seq: 7,
        at: Date.UTC(2026, 11, 1, 9, 30),
        actor: 'anna',
        actorRole: 'administrator',
        action: 'users.update',
        target: 'user:oleg',
        outcome: 'done',
        before: { role: 'marketer' },
        after: { role: 'auditor' },
        address: '10.0.0.5',
        note: '=HYPERLINK("x")',
      },
    ]);
    expect(csv.startsWith('\ufeff')).toBe(true);
    expect(readCsv(csv.slice(1))).toEqual([
      [
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
      ],
      [
        '7',
        '2026-12-01T09:30:00.000Z',
        'anna',
        'administrator',
        'users.update',
        'user:oleg',
        'done',
        '10.0.0.5',
        `'=HYPERLINK("x")`,
        '{"role":"marketer"}',
        '{"role":"auditor"}',
      ],
    ]);
  });
});
