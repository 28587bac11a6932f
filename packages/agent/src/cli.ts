/**
 * `tillpoint`: the till agent and the store IT tools. `tillpoint --help` lists the commands,
 * `tillpoint <command> --help` explains one. Listings and checks take `--json`.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { exitQuietlyOnClosedPipe, failAndExit } from './cli/exit';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { writeStarterConfig } from './config/starter-config';

/** The release build stamps its version here; from sources it is the package's. */
export const agentVersion = process.env.TILLPOINT_BUILD_VERSION ?? packageJson.version;

const program = new Command()
  .name('tillpoint')
  .description('Tillpoint loyalty agent for the till, and tools for store IT')
  .version(`tillpoint ${agentVersion} (Node ${process.version})`, '-V, --version', 'print the version')
  .showHelpAfterError();

const configOption = () =>
  new Option('-c, --config <file>', 'agent config file (YAML or JSON); $TILLPOINT_CONFIG').default(
    process.env.TILLPOINT_CONFIG ?? 'tillpoint.yaml',
  );
const jsonOption = () => new Option('--json', 'print JSON for scripts instead of lines for people');
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

program
  .command('init')
  .description(
    'write a commented starter config (mode 0600: it holds the API token) and a sample program beside it',
  )
  .addOption(configOption())
  .option('--store <id>', 'store id')
  .option('--till <id>', 'till id')
  .option('--data-dir <dir>', 'where the ledger lives (a service: /var/lib/tillpoint)')
  .action((o: { config: string; store?: string; till?: string; dataDir?: string }) => {
    const done = writeStarterConfig(o.config, {
      ...(o.store ? { storeId: o.store } : {}),
      ...(o.till ? { tillId: o.till } : {}),
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    });
    console.log(`wrote ${resolve(o.config)}`);
    if (done.programWritten !== undefined)
      console.log(`wrote a sample program ${done.programWritten}: replace it with head office's program`);
    console.log(
      `edit the config (storeId, tillId, cardRanges, scanners, printer), then run: tillpoint doctor --config ${o.config}`,
    );
  });

program
  .command('start')
  .description('run the agent: local API, scanners, ledger, loyalty printer')
  .addOption(configOption())
  .action(async (o: { config: string }) => {
    const { startAgent } = await import('./run/agent');
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
      const { runDemo } = await import('./store-it/demo');
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
  .description(
    'check config, program, card ranges, data directory, ledger, devices, printer, head office and clock',
  )
  .addOption(configOption())
  .addOption(jsonOption())
  .action(async (o: { config: string; json?: boolean }) => {
    const { diagnose } = await import('./store-it/doctor');
    const report = await diagnose(o.config, o.json ? undefined : (line) => console.log(line));
    if (o.json) print(report);
    process.exitCode = report.healthy ? 0 : 1;
  });

program
  .command('status')
  .description(
    'rule set in force, last sync and lag, outbox, print queue, devices (from the running agent, or its files)',
  )
  .addOption(configOption())
  .addOption(jsonOption())
  .action(async (o: { config: string; json?: boolean }) => {
    const { readTillStatus } = await import('./cli/status-command');
    const { formatTillStatus } = await import('./run/till-status');
    const status = await readTillStatus(loadConfig(o.config));
    if (o.json) print(status);
    else for (const line of formatTillStatus(status)) console.log(line);
  });

program
  .command('devices')
  .description(
    'list HID and serial devices, marking the ones that look like scanners (exit 1 if a listing failed)',
  )
  .addOption(jsonOption())
  .action(async (o: { json?: boolean }) => {
    const { listDevices, formatDeviceListing } = await import('@tillpoint/scanner');
    const problems: string[] = [];
    const devices = await listDevices({ warn: (m) => problems.push(m) });
    if (o.json) print({ devices, problems });
    else {
      for (const p of problems) console.error(`tillpoint: listing incomplete: ${p}`);
      if (devices.length === 0 && problems.length === 0) console.log('no HID or serial devices found');
      for (const d of devices) console.log(formatDeviceListing(d));
    }
    process.exitCode = problems.length === 0 ? 0 : 1;
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

program
  .command('printers')
  .description('list the printer profiles a config may name in printer.profile')
  .addOption(jsonOption())
  .action(async (o: { json?: boolean }) => {
    const { profileListings, formatProfileListing } = await import('./cli/print-commands');
    const profiles = profileListings();
    if (o.json) print(profiles);
    else for (const p of profiles) console.log(formatProfileListing(p));
  });

program
  .command('print-test')
  .description('print a test slip on the configured printer (status first, then Cyrillic text and a barcode)')
  .addOption(configOption())
  .action(async (o: { config: string }) => {
    const { config, file } = loadConfig(o.config);
    if (config.printer === undefined)
      throw new ConfigError(
        'config_invalid',
        `${file}: printer: none configured; add a printer section (see "tillpoint printers")`,
      );
    const { printTestSlip, testSlip } = await import('./cli/print-commands');
    await printTestSlip(config.printer, testSlip(config.language, config.storeName, new Date()), (l) =>
      console.log(l),
    );
  });

program
  .command('preview')
  .description('render a slip file to PNG as a printer would print it (and .txt beside it)')
  .requiredOption('--slip <file>', 'a LoyaltySlip JSON file (see packages/receipt/README.md)')
  .option('--template <file>', 'a receipt template JSON file')
  .option('--profile <name>', 'printer profile (see "tillpoint printers")', 'TM-T20II')
  .option('--columns <n>', 'characters per line: 32, 42 or 48', '48')
  .option('--width-dots <n>', 'printable width in dots (default from the columns)')
  .option('--code-page <name>', 'force a code page: CP866, CP1251 or CP437')
  .option('--out <file>', 'the PNG to write', 'preview.png')
  .option('--escpos <file>', 'also write the ESC/POS bytes')
  .action(
    async (o: {
      slip: string;
      template?: string;
      profile: string;
      columns: string;
      widthDots?: string;
      codePage?: string;
      out: string;
      escpos?: string;
    }) => {
      const { previewSlip } = await import('./cli/print-commands');
      console.log(
        previewSlip({
          slip: o.slip,
          profile: o.profile,
          columns: Number(o.columns),
          out: o.out,
          ...(o.template === undefined ? {} : { template: o.template }),
          ...(o.widthDots === undefined ? {} : { widthDots: Number(o.widthDots) }),
          ...(o.codePage === undefined ? {} : { codePage: o.codePage }),
          ...(o.escpos === undefined ? {} : { escpos: o.escpos }),
        }),
      );
    },
  );

const ledgerCommand = program.command('ledger').description('back up and restore the till ledger');
ledgerCommand
  .command('backup')
  .description('copy the live ledger while the agent runs (default: <dataDir>/backups/)')
  .addOption(configOption())
  .option('--to <file>', 'backup file to write (must not exist)')
  .action(async (o: { config: string; to?: string }) => {
    const { backupLedger } = await import('./run/ledger-maintenance');
    const done = await backupLedger(loadConfig(o.config), o.to === undefined ? undefined : resolve(o.to));
    console.log(
      `backed up the ledger through entry ${done.lastSeq} to ${done.path} (${done.via === 'agent' ? 'by the running agent' : 'agent not running'})`,
    );
  });
ledgerCommand
  .command('restore')
  .description(
    "restore this till's backup with the agent stopped; the damaged file is moved aside, never deleted",
  )
  .addOption(configOption())
  .requiredOption('--from <file>', 'the backup to restore')
  .option(
    '--other-till',
    "restore another till's backup: only when this register replaces that till for good; set tillId to that till's id, and never run the old register again",
  )
  .action(async (o: { config: string; from: string; otherTill?: boolean }) => {
    const { restoreLedger } = await import('./run/ledger-maintenance');
    const loaded = loadConfig(o.config);
    const done = restoreLedger(loaded, resolve(o.from), { otherTill: o.otherTill === true });
    for (const f of done.movedAside) console.log(`moved aside ${f}`);
    console.log(`restored ${resolve(o.from)} to ${loaded.paths.ledgerFile}`);
    if (done.backupTill !== loaded.config.tillId)
      console.log(
        `this ledger is till "${done.backupTill}": set tillId: ${done.backupTill} in ${loaded.file} before you start the agent`,
      );
    else console.log('start the agent again (systemctl start tillpoint)');
  });

program
  .command('enrol-hub')
  .description('enrol this till at head office with the one-time code from `tillpoint-hub till-add`')
  .addOption(configOption())
  .requiredOption('--code <code>', 'the one-time code')
  .action(async (o: { config: string; code: string }) => {
    const { config, paths } = loadConfig(o.config);
    if (config.headOffice === undefined)
      throw new ConfigError('config_invalid', `${o.config}: headOffice.url: set it before enrolling`);
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

const service = program
  .command('service')
  .description('run the agent as a systemd service (Windows: see the README)');
service
  .command('install')
  .description(
    'create the service user, write and enable a systemd unit (as root; --dry-run shows what it would do)',
  )
  .addOption(configOption())
  .option('--user <name>', 'the dedicated user the agent runs as', 'tillpoint')
  .option('--unit <path>', 'where to write the unit', '/etc/systemd/system/tillpoint.service')
  .option('--no-enable', 'write the unit only')
  .option('--dry-run', 'say what would be done, change nothing')
  .action(async (o: { config: string; user: string; unit: string; enable: boolean; dryRun?: boolean }) => {
    const { installService } = await import('./store-it/service-install');
    installService(
      {
        configPath: resolve(o.config),
        user: o.user,
        unitPath: o.unit,
        enable: o.enable,
        dryRun: o.dryRun === true,
      },
      (l) => console.log(l),
    );
  });
service
  .command('status')
  .description('is the service running, since when, and enabled at boot')
  .addOption(jsonOption())
  .action(async (o: { json?: boolean }) => {
    const { serviceStatus, formatServiceStatus } = await import('./store-it/service-status');
    const status = serviceStatus();
    if (o.json) print(status);
    else console.log(formatServiceStatus(status));
    process.exitCode = status.active === 'active' ? 0 : 3;
  });
service
  .command('uninstall')
  .description('stop and disable the service and remove its unit; the user, config and ledger stay')
  .option('--unit <path>', 'the unit `service install` wrote', '/etc/systemd/system/tillpoint.service')
  .option('--dry-run', 'say what would be done, change nothing')
  .action(async (o: { unit: string; dryRun?: boolean }) => {
    const { uninstallService } = await import('./store-it/service-install');
    uninstallService({ unitPath: o.unit, dryRun: o.dryRun === true }, (l) => console.log(l));
  });

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`tillpoint: stopping after ${signal} failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

exitQuietlyOnClosedPipe();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  failAndExit('tillpoint', error);
}
