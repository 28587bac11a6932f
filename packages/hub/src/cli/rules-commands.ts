import { existsSync, readFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { syncNameSchema } from '@tillpoint/protocol';
import type { Command, Option } from 'commander';
import type { HubStore, PublishedRuleSet } from '../hub-store';
import { planRollback, retargetRuleSets, targetOfGroups, tillRulesRows } from '../rule-rollout';
import { type HubKeys, loadOrCreateHubKeys, signProgram, signRuleSet } from '../rule-signing';

type DbOptions = { db: string; schema?: string };

/** What `cli.ts` lends the rule-set commands (its options and its way of opening the hub). */
export interface RulesCliKit {
  dbOption(): Option;
  schemaOption(): Option;
  withStore<T>(o: DbOptions, run: (store: HubStore) => Promise<T>): Promise<T>;
}

/** Rule sets read at most (every publication of years of monthly programs, and their pilots). */
const publishedReadMax = 10_000;

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** `--group a,b` (or given twice): store group names. */
function groupList(value: string, previous: string[] = []): string[] {
  const names = value
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  for (const name of names)
    if (!syncNameSchema.safeParse(name).success)
      throw new TillpointError(
        'invalid_option',
        `--group: "${name}" is not a group name (letters, digits, . _ -)`,
      );
  return [...previous, ...names];
}

function storeList(value: string): string[] {
  const stores = [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  for (const store of stores)
    if (!syncNameSchema.safeParse(store).success)
      throw new TillpointError(
        'invalid_option',
        `--stores: "${store}" is not a store id (letters, digits, . _ -)`,
      );
  return stores.sort();
}

function readProgramFile(file: string | undefined): string {
  if (file === undefined)
    throw new TillpointError('invalid_option', '--file: give the program file to publish');
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new TillpointError(
      'invalid_option',
      `--file: ${file} is not a readable file (${(error as Error).message})`,
    );
  }
}

function effectiveFromOption(value: string | undefined): number {
  const at = value === undefined ? Number.NaN : Date.parse(value);
  if (Number.isNaN(at))
    throw new TillpointError('invalid_option', '--effective-from: give a date such as 2026-12-01T00:00:00Z');
  return at;
}

const targetText = (set: Pick<PublishedRuleSet, 'target'>) =>
  set.target === undefined
    ? 'every store'
    : `group ${set.target.groups.join(', ')} (stores ${set.target.stores.join(', ') || 'none'})`;

type PublishOptions = DbOptions & {
  key: string;
  version?: string;
  effectiveFrom?: string;
  file?: string;
  group?: string[];
  rollback?: boolean;
};

async function publish(store: HubStore, o: PublishOptions, keys: HubKeys): Promise<void> {
  const now = Date.now();
  const target = targetOfGroups(o.group, await store.storeGroups());
  if (!target.ok) throw new TillpointError(target.code, target.message);
  if (o.rollback === true) {
    const plan = planRollback(await store.publishedRuleSets(publishedReadMax), {
      groups: o.group,
      now,
      version: o.version,
    });
    if (!plan.ok) throw new TillpointError(plan.code, plan.message);
    const signed = signProgram(keys, {
      version: plan.value.version,
      effectiveFrom: now,
      programText: plan.value.ruleSetJson,
      target: target.value,
    });
    if (!signed.ok) throw new TillpointError('rule_set_invalid', signed.message);
    await store.publishRuleSet(signed.value, { publishedAt: now, rollsBack: plan.value.rollsBack });
    console.log(
      `published rule set ${plan.value.version} for ${targetText(signed.value)}, effective ${iso(now)}: the rules of ${plan.value.restores} again, rolling back ${plan.value.rollsBack}`,
    );
    return;
  }
  if (o.version === undefined)
    throw new TillpointError('invalid_option', '--version: give the rule-set version');
  const effectiveFrom = effectiveFromOption(o.effectiveFrom);
  // Validated with the program schema before it is signed (the refusal names each path).
  const signed = signProgram(keys, {
    version: o.version,
    effectiveFrom,
    programText: readProgramFile(o.file),
    target: target.value,
  });
  if (!signed.ok) throw new TillpointError('rule_set_invalid', signed.message);
  await store.publishRuleSet(signed.value, { publishedAt: now });
  console.log(
    `published rule set ${o.version} for ${targetText(signed.value)}, effective ${iso(effectiveFrom)}`,
  );
}

/**
 * `publish-rules [--group G] [--rollback]`, `store-group set|list`, `rules versions`: rule sets
 * rolled out by store group (a pilot, then every store), rolled back, and the version each till
 * reports in force.
 */
export function registerRulesCommands(program: Command, kit: RulesCliKit): void {
  program
    .command('publish-rules')
    .description(
      'sign and publish a program file as a rule set for every store or for store groups; tills switch to it at --effective-from',
    )
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .option('--key <file>', 'the Ed25519 signing key', 'hub-signing.pem')
    .option(
      '--version <v>',
      'rule-set version, e.g. 2026-12 (with --rollback: instead of rollback-of-<version>)',
    )
    .option('--effective-from <iso>', 'when tills switch, e.g. 2026-12-01T00:00:00Z')
    .option('--file <program.json>', 'the program file')
    .option('--group <names>', 'only the stores of these store groups (a,b; or --group again)', groupList)
    .option(
      '--rollback',
      'publish the rule set before the one in force (for every store, or --group) again, effective now',
    )
    .action((o: PublishOptions) =>
      kit.withStore(o, (store) => publish(store, o, loadOrCreateHubKeys(o.key))),
    );

  const group = program.command('store-group').description('store groups: the targets of pilot rule sets');
  group
    .command('set')
    .description(
      "set a store group's stores (--stores with none removes it); rule sets for the group are signed again and reach its stores on their next pull",
    )
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .requiredOption('--group <name>', 'the group, e.g. pilot', (v) => groupList(v)[0] ?? '')
    .requiredOption('--stores <ids>', 'its stores, e.g. msk-014,msk-015', storeList)
    .option('--key <file>', 'the Ed25519 signing key (needed when rule sets are published for the group)')
    .action((o: DbOptions & { group: string; stores: string[]; key?: string }) =>
      kit.withStore(o, async (store) => {
        const groupsAfter = (await store.storeGroups()).filter((g) => g.group !== o.group);
        if (o.stores.length > 0) groupsAfter.push({ group: o.group, stores: o.stores });
        const changed = retargetRuleSets(
          await store.publishedRuleSets(publishedReadMax),
          o.group,
          groupsAfter,
        );
        if (changed.length > 0 && (o.key === undefined || !existsSync(o.key)))
          throw new TillpointError(
            'signing_key_needed',
            `rule sets ${changed.map((s) => s.version).join(', ')} are published for group ${o.group}: give --key <head office's signing key> to sign them again for its new stores`,
          );
        const keys = changed.length > 0 && o.key !== undefined ? loadOrCreateHubKeys(o.key) : undefined;
        const resigned = keys === undefined ? [] : changed.map((set) => signRuleSet(keys, set));
        await store.setStoreGroup({ group: o.group, stores: o.stores, resigned });
        console.log(
          o.stores.length === 0
            ? `store group ${o.group} removed`
            : `store group ${o.group}: ${o.stores.join(', ')}${resigned.length > 0 ? ` (rule sets signed again: ${resigned.map((s) => s.version).join(', ')})` : ''}`,
        );
      }),
    );
  group
    .command('list')
    .description('the store groups and their stores')
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .option('--json', 'as JSON')
    .action((o: DbOptions & { json?: boolean }) =>
      kit.withStore(o, async (store) => {
        const groups = await store.storeGroups();
        if (o.json) console.log(JSON.stringify(groups, null, 2));
        else if (groups.length === 0) console.log('no store groups');
        else for (const g of groups) console.log(`${g.group}: ${g.stores.join(', ')}`);
      }),
    );

  program
    .command('rules')
    .description('rule sets at head office and at the tills')
    .command('versions')
    .description(
      'the rule-set version each till reported in force (and the one due at its store), then the published rule sets with their target and effective time',
    )
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .option('--json', 'as JSON')
    .action((o: DbOptions & { json?: boolean }) =>
      kit.withStore(o, async (store) => {
        const published = await store.publishedRuleSets(publishedReadMax);
        const tills = tillRulesRows(await store.tillRulesInForce(), published, Date.now());
        const sets = published.map(({ signature: _s, ruleSetJson: _j, ...set }) => set);
        if (o.json) {
          console.log(JSON.stringify({ tills, ruleSets: sets }, null, 2));
          return;
        }
        console.log('tills (store, till, in force, due, reported at):');
        for (const t of tills)
          console.log(
            `  ${t.storeId}  ${t.tillId}  ${t.version ?? (t.reportedAt === null ? '(never reported)' : '(none)')}  ${t.due ?? '-'}${t.upToDate || t.reportedAt === null ? '' : '  BEHIND'}  ${iso(t.reportedAt)}`,
          );
        console.log('rule sets (version, effective from, target):');
        for (const s of sets)
          console.log(
            `  ${s.version}  ${iso(s.effectiveFrom)}  ${targetText(s)}${s.rollsBack ? `  (rolls back ${s.rollsBack})` : ''}`,
          );
      }),
    );
}
