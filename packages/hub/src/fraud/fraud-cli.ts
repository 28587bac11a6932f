import { TillpointError } from '@tillpoint/core';
import { type Command, Option } from 'commander';
import { openAdminStore } from '../admin/open-admin-store';
import { can } from '../admin/roles';
import type { HubStore } from '../hub-store';
import { type CardAction, cardActions, workflowOf } from './alert-workflow';
import { alertStatuses, type FraudAlert, type ResolutionOutcome, resolutionOutcomes } from './fraud-alert';
import { FraudDesk } from './fraud-desk';
import { FraudJob } from './fraud-job';
import { loadFraudConfig } from './fraud-schedule';
import type { FraudStore } from './fraud-store';
import { openFraudStore } from './open-fraud-store';

type DbOptions = { db: string; schema?: string };

/** What `cli.ts` lends the fraud commands (its options and its way of opening the hub). */
export interface FraudCliKit {
  dbOption(): Option;
  schemaOption(): Option;
  whole(name: string): (value: string) => number;
  withStore<T>(o: DbOptions, run: (store: HubStore) => Promise<T>): Promise<T>;
}

async function withFraud<T>(
  kit: FraudCliKit,
  o: DbOptions,
  run: (hub: HubStore, fraud: FraudStore) => Promise<T>,
) {
  return kit.withStore(o, async (hub) => {
    const fraud = await openFraudStore(o.db, o.schema === undefined ? {} : { schema: o.schema });
    try {
      return await run(hub, fraud);
    } finally {
      await fraud.close();
    }
  });
}

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

function printAlerts(alerts: readonly FraudAlert[]): void {
  if (alerts.length === 0) {
    console.log('no alerts');
    return;
  }
  for (const a of alerts)
    console.log(
      `${a.alertId}  ${a.level.padEnd(4)}  ${a.status.padEnd(8)}  ${time(a.at)} UTC  ${a.summary}${a.actionTaken ? ` [${a.actionTaken}]` : ''}`,
    );
  console.log(`${alerts.length} alert(s)`);
}

/**
 * `tillpoint-hub fraud run|alerts|show|assign|resolve|action`: the job once, the alert list,
 * and security's workflow in a person's name (`--by`: a console account whose role may act on
 * fraud alerts), written to the admin audit trail as the console's actions are.
 */
export function registerFraudCommands(program: Command, kit: FraudCliKit): void {
  const fraud = program
    .command('fraud')
    .description('fraud control: run the re-check and detectors, list and work alerts');
  registerRun(fraud, kit);
  registerLists(fraud, kit);
  registerWorkflow(fraud, kit);
}

function registerRun(fraud: Command, kit: FraudCliKit): void {
  fraud
    .command('run')
    .description("re-check and run the detectors over what head office ingested since the job's cursor, once")
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .option('--fraud-config <file>', 'detector settings (JSON), default the built-in levels')
    .option(
      '--entries-max <n>',
      'stop after this many entries (the next run goes on)',
      kit.whole('entries-max'),
      1_000_000,
    )
    .option('--json', 'print JSON for scripts')
    .action((o: DbOptions & { fraudConfig?: string; entriesMax: number; json?: boolean }) => {
      const config = loadFraudConfig(o.fraudConfig);
      return withFraud(kit, o, async (hub, store) => {
        const admin = await openAdminStore(o.db, o.schema === undefined ? {} : { schema: o.schema });
        try {
          const job = new FraudJob(hub, store, config, {
            batchMax: 2_000,
            entriesMax: o.entriesMax,
            now: Date.now,
            audit: (record) => admin.appendAudit(record),
          });
          const s = await job.run();
          if (o.json) return console.log(JSON.stringify(s));
          console.log(
            `${s.entries} entries, ${s.sales} sales re-checked: ${s.matched} match, ${s.mismatched} differ, ${Object.values(s.notRecheckable).reduce((n, x) => n + (x ?? 0), 0)} not re-checkable`,
          );
          console.log(
            `new alerts: ${s.alerts.hard} hard, ${s.alerts.soft} soft; cards blocked ${s.actions.blocked}, capped ${s.actions.capped}`,
          );
          if (!s.caughtUp) console.log('more to read: run again');
        } finally {
          await admin.close();
        }
      });
    });
}

function registerLists(fraud: Command, kit: FraudCliKit): void {
  fraud
    .command('alerts')
    .description('fraud alerts, newest first')
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .addOption(new Option('--status <status>', 'only these').choices([...alertStatuses, 'unresolved']))
    .option('--card <code>', 'only alerts about this card')
    .option('--limit <n>', 'at most this many (≤ 500)', kit.whole('limit'), 50)
    .option('--json', 'print JSON for scripts')
    .action(
      (
        o: DbOptions & {
          status?: FraudAlert['status'] | 'unresolved';
          card?: string;
          limit: number;
          json?: boolean;
        },
      ) =>
        withFraud(kit, o, async (_hub, store) => {
          const alerts = await store.listAlerts({
            limit: Math.min(o.limit, 500),
            ...(o.status === undefined ? {} : { status: o.status }),
            ...(o.card === undefined ? {} : { cardId: o.card }),
          });
          if (o.json) return console.log(JSON.stringify(alerts));
          printAlerts(alerts);
        }),
    );
  fraud
    .command('show')
    .description('one alert with its evidence (JSON)')
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .requiredOption('--alert <id>', 'the alert')
    .action((o: DbOptions & { alert: string }) =>
      withFraud(kit, o, async (_hub, store) => {
        const alert = await store.getAlert(o.alert);
        if (alert === null) throw new TillpointError('not_found', `no alert ${o.alert}`);
        console.log(JSON.stringify(alert, null, 2));
      }),
    );
}

/** One workflow step in a person's name (a console account that may act), written to the audit trail. */
function performAs(
  kit: FraudCliKit,
  o: DbOptions & { alert: string; by: string },
  action: string,
  note: string | null,
  work: (desk: FraudDesk, now: number) => ReturnType<FraudDesk['assign']>,
) {
  return withFraud(kit, o, async (hub, store) => {
    const admin = await openAdminStore(o.db, o.schema === undefined ? {} : { schema: o.schema });
    try {
      const user = await admin.getUserByLogin(o.by.toLowerCase());
      if (user === null || user.disabled || !can(user.role, 'fraud.act'))
        throw new TillpointError(
          'forbidden',
          `--by ${o.by}: not a console account whose role may act on fraud alerts`,
        );
      const now = Date.now();
      const outcome = await work(new FraudDesk(hub, store, 0), now);
      if (!outcome.ok) throw new TillpointError(outcome.code, outcome.message);
      await admin.appendAudit({
        at: now,
        actor: user.login,
        actorRole: user.role,
        action,
        target: `alert:${o.alert}`,
        outcome: 'done',
        before: workflowOf(outcome.before),
        after: { ...workflowOf(outcome.after), cardId: outcome.after.cardId },
        address: 'cli',
        note,
      });
      printAlerts([outcome.after]);
    } finally {
      await admin.close();
    }
  });
}

function registerWorkflow(fraud: Command, kit: FraudCliKit): void {
  const acting = (name: string, description: string) =>
    fraud
      .command(name)
      .description(description)
      .addOption(kit.dbOption())
      .addOption(kit.schemaOption())
      .requiredOption('--alert <id>', 'the alert')
      .requiredOption('--by <login>', 'your console login (a role that may act on fraud alerts)');
  acting('assign', 'assign an alert to a person of security')
    .requiredOption('--to <login>', 'who works it')
    .action((o: DbOptions & { alert: string; by: string; to: string }) =>
      performAs(kit, o, 'fraud.assign', null, (desk, now) => desk.assign(o.alert, o.to, now)),
    );
  acting('resolve', 'resolve an alert with an outcome and a reason')
    .addOption(
      new Option('--outcome <outcome>', 'what it was').choices([...resolutionOutcomes]).makeOptionMandatory(),
    )
    .requiredOption('--reason <text>', 'why (kept with the alert and in the audit trail)')
    .action((o: DbOptions & { alert: string; by: string; outcome: ResolutionOutcome; reason: string }) =>
      performAs(kit, o, 'fraud.resolve', o.reason, (desk, now) =>
        desk.resolve(o.alert, { outcome: o.outcome, reason: o.reason, by: o.by }, now),
      ),
    );
  acting('action', "block the alert's card, cap its offline spending, or clear both")
    .addOption(new Option('--do <action>', 'what to do').choices([...cardActions]).makeOptionMandatory())
    .option('--cap <points>', 'the offline cap (with --do cap; default 0)', kit.whole('cap'))
    .action((o: DbOptions & { alert: string; by: string; do: CardAction; cap?: number }) =>
      performAs(kit, o, `fraud.${o.do}`, null, (desk, now) =>
        desk.act(
          o.alert,
          { action: o.do, by: o.by, ...(o.cap === undefined ? {} : { capPoints: o.cap }) },
          now,
        ),
      ),
    );
}
