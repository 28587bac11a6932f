import { mkdirSync, writeFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { loadProgramFile, type ProgramVersion } from '@tillpoint/rules';
import { type Command, Option } from 'commander';
import { tierPolicyOf } from '../chain/tier-window';
import { type ImportKind, importKinds, loadImportMapping } from '../history/import-mapping';

/**
 * The history commands of `tillpoint-hub` (packages/hub/README.md, "History"): `import`,
 * `whatif`, `reaccrue` and `generate`. Options are checked here and refused with a message that
 * names the option; the work is in src/history.
 */
type DbOptions = { db: string; schema?: string };

const dbOption = () =>
  new Option('--db <db>', 'SQLite file or postgres:// URL').default(process.env.DATABASE_URL ?? 'hub.sqlite');
const schemaOption = () => new Option('--schema <name>', 'PostgreSQL schema (default tillpoint_hub)');

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n === 0)
      throw new TillpointError('invalid_option', `--${name}: "${value}" is not a whole number ≥ 1`);
    return n;
  };
}

/** An instant: `2025-01-01` (midnight UTC) or a full ISO time with its offset. */
export function instantOption(name: string, value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:\d{2}))?$/.test(value))
    throw new TillpointError(
      'invalid_option',
      `--${name}: "${value}" is not a date: give 2025-01-01 (midnight UTC) or 2025-01-01T00:00:00+03:00`,
    );
  return ms;
}

function periodOf(o: { from: string; to: string }) {
  const period = { from: instantOption('from', o.from), to: instantOption('to', o.to) };
  if (period.to <= period.from)
    throw new TillpointError('invalid_option', `--to ${o.to} is not after --from ${o.from}`);
  return period;
}

async function programOf(option: string, path: string): Promise<ProgramVersion> {
  let loaded: Awaited<ReturnType<typeof loadProgramFile>>;
  try {
    loaded = await loadProgramFile(path);
  } catch (error) {
    throw new TillpointError(
      'invalid_option',
      `--${option}: ${path} is not a readable file (${(error as Error).message})`,
    );
  }
  if (!loaded.ok) throw new TillpointError('invalid_program', `--${option}: ${loaded.message}`);
  return loaded.value;
}

export function registerHistoryCommands(program: Command): void {
  importCommand(program);
  whatifCommand(program);
  reaccrueCommand(program);
  generateCommand(program);
}

/** `import`: the files, a mapping, the chunk size. */
function importCommand(program: Command): void {
  const command = program
    .command('import')
    .description('import cards, opening balances, sales and returns from CSV or JSON Lines files (resumable)')
    .addOption(dbOption())
    .addOption(schemaOption());
  for (const kind of importKinds) command.option(`--${kind} <file>`, `the ${kind} file`);
  command
    .option('--mapping <file>', "a mapping file for another vendor's column names and conventions")
    .option('--chunk <records>', 'records a transaction', positive('chunk'))
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        o: DbOptions &
          Partial<Record<ImportKind, string>> & { mapping?: string; chunk?: number; progress: boolean },
      ) => {
        const files = Object.fromEntries(importKinds.flatMap((k) => (o[k] === undefined ? [] : [[k, o[k]]])));
        if (Object.keys(files).length === 0)
          throw new TillpointError(
            'invalid_option',
            'give at least one file: --cards, --balances, --sales or --returns',
          );
        // The history modules load when a history command runs (serve and the other commands start as fast as before).
        const { importHistory, summaryText } = await import('../history/import-history');
        const summary = await importHistory({
          db: o.db,
          ...(o.schema === undefined ? {} : { schema: o.schema }),
          files,
          ...(o.mapping === undefined ? {} : { mapping: loadImportMapping(o.mapping) }),
          ...(o.chunk === undefined ? {} : { chunkRecords: o.chunk }),
          ...(o.progress ? {} : { progress: false }),
        });
        console.log(summaryText(summary));
      },
    );
}

/** `whatif`: the draft program, the period, the report file. */
function whatifCommand(program: Command): void {
  program
    .command('whatif')
    .description(
      "replay a period's sales under a draft program and write the difference against what was booked (CSV)",
    )
    .addOption(dbOption())
    .addOption(schemaOption())
    .requiredOption('--program <file>', 'the draft program file')
    .requiredOption('--from <date>', 'first day of the period, e.g. 2025-01-01')
    .requiredOption('--to <date>', 'the day after the period, e.g. 2026-01-01')
    .option('--out <file>', 'the report (default: standard output)')
    .option('--parts <n>', 'parallel parts (default: the cores)', positive('parts'))
    .action(
      async (o: DbOptions & { program: string; from: string; to: string; out?: string; parts?: number }) => {
        const { whatIf } = await import('../history/whatif');
        const report = await whatIf({
          db: o.db,
          ...(o.schema === undefined ? {} : { schema: o.schema }),
          program: await programOf('program', o.program),
          period: periodOf(o),
          ...(o.parts === undefined ? {} : { parts: o.parts }),
        });
        if (o.out === undefined) process.stdout.write(report.csv);
        else {
          writeFileSync(o.out, report.csv);
          console.log(
            `${report.cards} cards replayed in ${report.seconds.toFixed(1)} s; report in ${o.out}` +
              (report.spendRefused > 0
                ? `; ${report.spendRefused} sales whose point payment the draft would refuse`
                : ''),
          );
        }
      },
    );
}

/** `reaccrue`: the published version, the period, dry run and run id, the audit note. */
function reaccrueCommand(program: Command): void {
  program
    .command('reaccrue')
    .description(
      're-accrue a period under a published rule set: each card gets its difference as one adjustment',
    )
    .addOption(dbOption())
    .addOption(schemaOption())
    .requiredOption('--version <v>', 'the published rule-set version to replay under')
    .requiredOption('--from <date>', 'first day of the period, e.g. 2025-01-01')
    .requiredOption('--to <date>', 'the day after the period, e.g. 2026-01-01')
    .option('--dry-run', 'plan and report, post nothing')
    .option('--run <id>', 'the run id (default reaccrual-<version>-<from>-<to>): the same id resumes')
    .option('--actor <name>', 'who runs it, for the audit trail', process.env.USER ?? 'head-office')
    .option('--note <text>', 'the reason, for the audit trail')
    .action(
      async (
        o: DbOptions & {
          version: string;
          from: string;
          to: string;
          dryRun?: boolean;
          run?: string;
          actor: string;
          note?: string;
        },
      ) => {
        const { reaccrue } = await import('../history/reaccrual');
        const outcome = await reaccrue({
          db: o.db,
          ...(o.schema === undefined ? {} : { schema: o.schema }),
          version: o.version,
          period: periodOf(o),
          dryRun: o.dryRun === true,
          actor: o.actor,
          ...(o.run === undefined ? {} : { runId: o.run }),
          ...(o.note === undefined ? {} : { note: o.note }),
        });
        const head = `run ${outcome.runId}: ${outcome.cards} cards differ, ${outcome.pointsAdded} points to add, ${outcome.pointsTakenBack} to take back`;
        const earlier = outcome.cards - outcome.applied;
        console.log(
          !outcome.posted
            ? `${head}; dry run, nothing posted (run again without --dry-run to post this plan)`
            : earlier === 0
              ? `${head}; posted`
              : `${head}; posted (${outcome.applied} now, ${earlier} by an earlier run of ${outcome.runId})`,
        );
      },
    );
}

/** `generate`: the chain's size and shape. */
function generateCommand(program: Command): void {
  program
    .command('generate')
    .description("write a realistic chain's history as import files (for trials and benchmarks)")
    .requiredOption('--dir <folder>', 'where the files go (created if missing)')
    .requiredOption('--program <file>', 'the program the points are booked under')
    .option('--cards <n>', 'cards', positive('cards'), 10_000)
    .option('--receipts <n>', 'receipts', positive('receipts'), 100_000)
    .option('--stores <n>', 'stores', positive('stores'), 20)
    .option('--tills-per-store <n>', 'tills in each store', positive('tills-per-store'), 4)
    .option('--lines <n>', 'lines a receipt, about', positive('lines'), 10)
    .option(
      '--return-percent <n>',
      'receipts returned in part or whole, percent',
      positive('return-percent'),
      5,
    )
    .option('--from <date>', 'first day', '2025-01-01')
    .option('--to <date>', 'the day after the last', '2026-01-01')
    .option('--seed <n>', 'the random seed (the same seed writes the same files)', positive('seed'), 7)
    .action(
      async (
        o: Record<string, string | number> & { dir: string; program: string; from: string; to: string },
      ) => {
        const booked = await programOf('program', o.program);
        mkdirSync(o.dir, { recursive: true });
        const started = performance.now();
        const { generateChain } = await import('../history/generate-chain');
        const generated = await generateChain({
          seed: o.seed as number,
          cards: o.cards as number,
          stores: o.stores as number,
          tillsPerStore: o.tillsPerStore as number,
          receipts: o.receipts as number,
          linesPerReceipt: o.lines as number,
          returnShare: Math.min(100, o.returnPercent as number) / 100,
          ...periodOf(o),
          program: booked,
          policy: tierPolicyOf(JSON.stringify(booked.program)),
          dir: o.dir,
        });
        const c = generated.counts;
        console.log(
          `${c.cards} cards, ${c.lots} opening lots, ${c.receipts} receipts of ${c.lines} lines, ${c.returns} returns in ${o.dir} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      },
    );
}
