/**
 * `tillpoint`: the till agent and the store IT tools.
 *   tillpoint init | start | doctor | demo | scan CODE | devices | scan-test | backup | service install | openapi | enrol-hub
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { writeStarterConfig } from './config/starter-config';

const program = new Command()
  .name('tillpoint')
  .description('Tillpoint loyalty agent for the till, and tools for store IT')
  .showHelpAfterError();

const configOption = () =>
  new Option('-c, --config <file>', 'agent config file (YAML or JSON)').default(
    process.env.TILLPOINT_CONFIG ?? 'tillpoint.yaml',
  );

program
  .command('init')
  .description('write a commented starter config (mode 0600: it holds the API token)')
  .addOption(configOption())
  .option('--store <id>', 'store id')
  .option('--till <id>', 'till id')
  .action((o: { config: string; store?: string; till?: string }) => {
    writeStarterConfig(o.config, {
      ...(o.store ? { storeId: o.store } : {}),
      ...(o.till ? { tillId: o.till } : {}),
    });
    console.log(`wrote ${resolve(o.config)}; edit it, then run: tillpoint doctor --config ${o.config}`);
  });

program
  .command('start')
  .description('run the agent: local API, scanners, ledger, loyalty printer')
  .addOption(configOption())
  .action(async (o: { config: string }) => {
    const { startAgent } = await import('./agent');
    const agent = await startAgent({ configPath: o.config });
    onSignals(() => agent.stop());
  });

program
  .command('demo')
  .description('run the agent with a demo program, a virtual scanner and a virtual printer')
  .option('--dir <dir>', 'where the demo keeps its files', '.tillpoint/demo')
  .option('--port <port>', 'local API port', '8787')
  .option('--exit-after <seconds>', 'stop by itself after this many seconds (for scripts)')
  .addOption(
    new Option('--language <language>', 'the page, slips and narration').choices(['en', 'ru']).default('en'),
  )
  .option('--reset', 'start afresh: delete the demo ledger and state first (default: keep them)')
  .action(
    async (o: { dir: string; port: string; exitAfter?: string; language: 'en' | 'ru'; reset?: boolean }) => {
      const { runDemo } = await import('./demo');
      const demo = await runDemo({
        dir: o.dir,
        port: Number(o.port),
        language: o.language,
        reset: o.reset === true,
      });
      onSignals(() => demo.stop());
      if (o.exitAfter !== undefined)
        setTimeout(() => void demo.stop().then(() => process.exit(0)), Number(o.exitAfter) * 1000);
    },
  );

program
  .command('scan')
  .description('type a code into the virtual scanner of a running demo, as a scanner would')
  .argument('<code>', 'the barcode, e.g. a loyalty card number')
  .option('--feed <path>', 'the virtual scanner feed', '.tillpoint/demo/scanner-feed')
  .action(async (code: string, o: { feed: string }) => {
    const { typeIntoVirtualScanner } = await import('@tillpoint/scanner');
    typeIntoVirtualScanner(o.feed, code);
    console.log(`scanned ${code}`);
  });

program
  .command('doctor')
  .description('check config, data directory, ledger, devices, printer, head office and clock')
  .addOption(configOption())
  .action(async (o: { config: string }) => {
    const { runDoctor } = await import('./doctor');
    const ok = await runDoctor(o.config, (line) => console.log(line));
    process.exitCode = ok ? 0 : 1;
  });

program
  .command('devices')
  .description('list HID and serial devices, marking the ones that look like scanners')
  .action(async () => {
    const { listDevices, formatDeviceListing } = await import('@tillpoint/scanner');
    const devices = await listDevices();
    if (devices.length === 0) console.log('no HID or serial devices found');
    for (const d of devices) console.log(formatDeviceListing(d));
  });

program
  .command('scan-test')
  .description('print every scan of the configured scanners with its symbology and card verdict')
  .addOption(configOption())
  .option('--scanner <n>', 'which scanner of the config (from 0)', '0')
  .action(async (o: { config: string; scanner: string }) => {
    const { runScanTest } = await import('@tillpoint/scanner');
    const { config } = loadConfig(o.config);
    const scanner = config.scanners[Number(o.scanner)];
    if (scanner === undefined)
      throw new ConfigError(
        'config_invalid',
        `${o.config}: scanners.${o.scanner}: no such scanner in the config`,
      );
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const scans = await runScanTest(scanner, config.cardRanges, (line) => console.log(line), abort.signal);
    console.log(`${scans} scans`);
  });

const ledgerCommand = program.command('ledger').description('back up and restore the till ledger');
ledgerCommand
  .command('backup')
  .description('copy the live ledger while the agent runs (default: <dataDir>/backups/)')
  .addOption(configOption())
  .option('--to <file>', 'backup file to write (must not exist)')
  .action(async (o: { config: string; to?: string }) => {
    const { backupLedger } = await import('./ledger-maintenance');
    const done = await backupLedger(loadConfig(o.config), o.to === undefined ? undefined : resolve(o.to));
    console.log(
      `backed up the ledger through entry ${done.lastSeq} to ${done.path} (${done.via === 'agent' ? 'by the running agent' : 'agent not running'})`,
    );
  });
ledgerCommand
  .command('restore')
  .description('restore a backup with the agent stopped; the damaged file is moved aside, never deleted')
  .addOption(configOption())
  .requiredOption('--from <file>', 'the backup to restore')
  .action(async (o: { config: string; from: string }) => {
    const { restoreLedger } = await import('./ledger-maintenance');
    const loaded = loadConfig(o.config);
    const { movedAside } = restoreLedger(loaded, resolve(o.from));
    for (const f of movedAside) console.log(`moved aside ${f}`);
    console.log(`restored ${resolve(o.from)} to ${loaded.paths.ledgerFile}; start the agent again`);
  });

program
  .command('enrol-hub')
  .description('enrol this till at head office with the one-time code from `tillpoint-hub till-add`')
  .addOption(configOption())
  .requiredOption('--code <code>', 'the one-time code')
  .action(async (o: { config: string; code: string }) => {
    const { config, paths } = loadConfig(o.config);
    if (config.headOffice === undefined)
      throw new ConfigError('config_invalid', `${o.config}: set headOffice.url before enrolling`);
    const { enrolWithHub } = await import('./sync/hub-credential');
    const credentialFile = resolve(paths.dataDir, config.headOffice.credentialFile);
    const credential = await enrolWithHub({
      url: config.headOffice.url,
      code: o.code,
      tillId: config.tillId,
      credentialFile,
    });
    console.log(
      `enrolled till ${credential.tillId} of store ${credential.storeId}; credential in ${credentialFile} (0600)`,
    );
  });

program
  .command('openapi')
  .description('print the OpenAPI document of the local API')
  .action(async () => {
    const { localApiOpenApi } = await import('@tillpoint/protocol');
    console.log(JSON.stringify(localApiOpenApi(), null, 2));
  });

const service = program.command('service').description('run the agent as a system service');
service
  .command('install')
  .description('write and enable a systemd unit (as root)')
  .addOption(configOption())
  .option('--user <name>', 'the dedicated user the agent runs as', 'tillpoint')
  .option('--unit <path>', 'where to write the unit', '/etc/systemd/system/tillpoint.service')
  .option('--no-enable', 'write the unit only')
  .action(async (o: { config: string; user: string; unit: string; enable: boolean }) => {
    const { installService } = await import('./service-install');
    await installService(
      { configPath: resolve(o.config), user: o.user, unitPath: o.unit, enable: o.enable },
      (l) => console.log(l),
    );
  });

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`stopping after ${signal} failed:`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || (error as { code?: unknown }).code !== undefined) {
    const e = error as Error & { code: string };
    console.error(`tillpoint: ${e.code}: ${e.message}`);
    process.exit(2);
  }
  throw error;
}
