import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultMapping } from './import-mapping';
import { fieldOf } from './import-values';
import { csvRows, jsonLines, type SourceRow } from './row-source';

/**
 * A resumed import starts reading at the byte offset and line a row reported: started at every
 * row's end, the reader gives exactly the rows after it, with the same lines, whatever the file
 * holds before (a BOM, Cyrillic names, quoted commas and line breaks, CR LF).
 */
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(batches: AsyncIterable<Iterable<SourceRow>>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const rows of batches) out.push(...rows);
  return out;
}

/** The same rows with LF or with CR LF line ends (a quoted field holding a line break of the same kind). */
const csvWith = (eol: string) =>
  [
    '\uFEFFcard_id,name,groups,phone',
    '7700000000001,Иванов Иван,staff;vip,+79161234567',
    '7700000000002,"Петрова, Анна","a;b",',
    `7700000000003,"Сидоров${eol}младший",,+79161234568`,
    '',
    '7700000000005,Ёлкина Мария,,',
    '7700000000006,Last,,',
  ].join(eol);

const jsonl = [
  '{"card_id":"7700000000001","name":"Иванов Иван","groups":["staff"]}',
  '',
  '{"card_id":"7700000000002","name":"Петрова, Анна"}\r',
  'not json',
  '[1,2]',
  '{"card_id":"7700000000003","name":"Ёлкина"}',
].join('\n');

describe('row sources resume at any row they reported', () => {
  it.each([
    ['LF', '\n'],
    ['CR LF', '\r\n'],
  ])('CSV with %s: from every row end, the rest of the rows with their lines', async (_name, eol) => {
    const path = join(dir, 'cards.csv');
    writeFileSync(path, csvWith(eol));
    let header: string[] | null = null;
    const whole = await all(
      csvRows('cards', path, defaultMapping, { offset: 0, line: 0, header: null }, (h) => {
        header = h;
      }),
    );
    expect(header).toEqual(['card_id', 'name', 'groups', 'phone']);
    expect(whole.map((r) => [r.line, 'raw' in r ? fieldOf(r.raw, 'name') : r.problem])).toEqual([
      [2, 'Иванов Иван'],
      [3, 'Петрова, Анна'],
      [4, `Сидоров${eol}младший`],
      [7, 'Ёлкина Мария'],
      [8, 'Last'],
    ]);
    for (const [i, r] of whole.entries()) {
      const rest = await all(
        csvRows(
          'cards',
          path,
          defaultMapping,
          { offset: r.endOffset, line: r.endLine, header },
          () => undefined,
        ),
      );
      expect(rest).toEqual(whole.slice(i + 1));
    }
  });

  it('CSV: a broken quote or a quote never closed costs only its own rows', async () => {
    const path = join(dir, 'broken.csv');
    writeFileSync(
      path,
      ['card_id,name', '1,"broken "quote', '2,"Doe, ""J"""', '3,plain', '4,"never closed', '5,x'].join('\n'),
    );
    const rows = await all(
      csvRows('cards', path, defaultMapping, { offset: 0, line: 0, header: null }, () => undefined),
    );
    expect(rows.map((r) => [r.line, 'raw' in r ? fieldOf(r.raw, 'name') : r.problem.slice(0, 8)])).toEqual([
      [2, 'not CSV:'],
      [3, 'Doe, "J"'],
      [4, 'plain'],
      [5, 'not CSV:'],
    ]);
  });

  it('JSON Lines: from every row end, the rest of the rows with their lines', async () => {
    const path = join(dir, 'cards.jsonl');
    writeFileSync(path, jsonl);
    const whole = await all(jsonLines('cards', path, defaultMapping, { offset: 0, line: 0, header: null }));
    expect(whole.map((r) => [r.line, 'raw' in r ? fieldOf(r.raw, 'name') : r.problem.slice(0, 8)])).toEqual([
      [1, 'Иванов Иван'],
      [3, 'Петрова, Анна'],
      [4, 'not JSON'],
      [5, 'a line m'],
      [6, 'Ёлкина'],
    ]);
    for (const [i, r] of whole.entries()) {
      const rest = await all(
        jsonLines('cards', path, defaultMapping, { offset: r.endOffset, line: r.endLine, header: null }),
      );
      expect(rest).toEqual(whole.slice(i + 1));
    }
  });
});
