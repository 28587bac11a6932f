/**
 * A history command as its own process, for the kill tests: `import <db> <now> <dir>` imports the
 * chain files of `dir`; `reaccrue <db> <now> <version> <from> <to> [run] [dry]` plans (`dry`) or posts a re-accrual.
 */
import { join } from 'node:path';
import { importHistory } from '../src/history/import-history';
import { reaccrue } from '../src/history/reaccrual';

const [command, db, now, ...rest] = process.argv.slice(2);
const at = () => Number(now);
if (command === 'import') {
  const dir = rest[0] as string;
  const kinds = ['cards', 'balances', 'sales', 'returns'] as const;
  await importHistory({
    db: db as string,
    files: Object.fromEntries(kinds.map((k) => [k, join(dir, `${k}.csv`)])),
    progress: false,
    chunkRecords: Number(rest[1] ?? 200),
    now: at,
  });
} else if (command === 'reaccrue') {
  await reaccrue({
    db: db as string,
    version: rest[0] as string,
    period: { from: Number(rest[1]), to: Number(rest[2]) },
    dryRun: rest[4] === 'dry',
    actor: 'test',
    ...(rest[3] === undefined ? {} : { runId: rest[3] }),
    now: at,
    batchCards: 7,
    entriesPerPush: 1,
  });
}
