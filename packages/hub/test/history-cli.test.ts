import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The history commands as a person runs them (`tillpoint-hub generate | import | whatif |
 * reaccrue`): what they print, and their refusals in one line with exit code 2.
 */
const hubDir = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../fixtures/import/', import.meta.url));
const dir = mkdtempSync('/tmp/tillpoint-history-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hub(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: hubDir },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : Number((error as { code?: number }).code ?? 1),
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('tillpoint-hub history commands', () => {
  it('generate, import twice, whatif, reaccrue dry run then posted; refusals name the option', async () => {
    const files = join(dir, 'files');
    const db = join(dir, 'hub.sqlite');
    const generated = await hub([
      'generate',
      '--dir',
      files,
      '--program',
      join(fixtures, 'program-booked.json'),
      '--cards',
      '40',
      '--receipts',
      '300',
    ]);
    expect(generated.stdout).toMatch(
      /^40 cards, \d+ opening lots, 300 receipts of \d+ lines, \d+ returns in /,
    );
    expect((await hub(['init', '--db', db, '--key', join(dir, 'key.pem')])).code).toBe(0);
    const fileArgs = ['cards', 'balances', 'sales', 'returns'].flatMap((k) => [
      `--${k}`,
      join(files, `${k}.csv`),
    ]);
    const first = await hub(['import', '--db', db, '--no-progress', ...fileArgs]);
    expect(first.stdout).toMatch(
      /sales .*sales\.csv: imported; 300 records, 300 new, 0 already held, 0 rejected;/,
    );
    const second = await hub(['import', '--db', db, '--no-progress', '--sales', join(files, 'sales.csv')]);
    expect(second.stdout).toMatch(/sales .*: already imported \(300 records, 0 rejected\): nothing to do/);

    const period = ['--from', '2025-01-01', '--to', '2026-01-01'];
    const out = join(dir, 'whatif.csv');
    const report = await hub([
      'whatif',
      '--db',
      db,
      '--program',
      join(fixtures, 'program-draft.json'),
      ...period,
      '--out',
      out,
    ]);
    expect(report.stdout).toMatch(/^40 cards replayed in [\d.]+ s; report in /);
    expect(readFileSync(out, 'utf8')).toMatch(/^dimension,key,receipts,turnover_minor,.*\ntotal,all,300,/);

    const publish = ['publish-rules', '--db', db, '--key', join(dir, 'key.pem'), '--version', 'fix-1'];
    await hub([
      ...publish,
      '--effective-from',
      '2027-01-01T00:00:00Z',
      '--file',
      join(fixtures, 'program-draft.json'),
    ]);
    const dry = await hub(['reaccrue', '--db', db, '--version', 'fix-1', ...period, '--dry-run']);
    expect(dry.stdout).toMatch(
      /^run reaccrual-fix-1-2025-01-01-2026-01-01: \d+ cards differ, \d+ points to add, 0 to take back; dry run, nothing posted/,
    );
    const posted = await hub(['reaccrue', '--db', db, '--version', 'fix-1', ...period]);
    expect(posted.stdout).toMatch(/; posted\n$/);

    const refusals: [string[], RegExp][] = [
      [['import', '--db', db], /^tillpoint-hub: invalid_option: give at least one file: --cards, --balances/],
      [
        [
          'whatif',
          '--db',
          db,
          '--program',
          join(fixtures, 'program-draft.json'),
          '--from',
          '2025-13-01',
          '--to',
          '2026-01-01',
        ],
        /--from: "2025-13-01" is not a date/,
      ],
      [
        [
          'whatif',
          '--db',
          db,
          '--program',
          join(fixtures, 'program-draft.json'),
          '--from',
          '2026-01-01',
          '--to',
          '2025-01-01',
        ],
        /--to 2025-01-01 is not after --from 2026-01-01/,
      ],
      [
        ['reaccrue', '--db', db, '--version', 'nope', ...period],
        /reaccrual_refused: rule set nope was never published: publish it first/,
      ],
      [
        [
          'import',
          '--db',
          db,
          '--mapping',
          join(fixtures, 'program-draft.json'),
          '--cards',
          join(files, 'cards.csv'),
        ],
        /invalid_mapping: --mapping .*program-draft\.json:/,
      ],
      [
        ['import', '--db', db, '--chunk', '0', '--cards', join(files, 'cards.csv')],
        /--chunk: "0" is not a whole number ≥ 1/,
      ],
    ];
    for (const [args, message] of refusals) {
      const refused = await hub(args);
      expect([args[0], refused.code]).toEqual([args[0], 2]);
      expect(refused.stderr).toMatch(message);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
  }, 300_000);
});
