import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import { startVirtualPrinter } from '@tillpoint/printer';
import { escposTextLines, renderPreviewPng } from '@tillpoint/receipt';
import { VirtualSerialScanner } from '@tillpoint/scanner';
import pino from 'pino';
import { renderStarterConfig } from '../config/starter-config';
import { repoRootDir } from '../package-dirs';
import { type RunningAgent, startAgent } from '../run/agent';
import { type DemoLanguage, narrate } from './demo-narration';

export interface DemoOptions {
  dir: string;
  port: number;
  /** The page's, the slips' and the narration's language. */
  language?: DemoLanguage;
  /** Start afresh: the demo's ledger and agent state are deleted first (default: kept). */
  reset?: boolean;
  say?: (line: string) => void;
  /** Whether socat is there and how to install it: injected in tests. */
  system?: DemoSystem;
}

/** Demo cards: one with an opening balance, one new, one blocked. All pass the EAN-13 check. */
export const demoCards = {
  regular: '2000000000015',
  fresh: '2000000000022',
  blocked: '2000000000039',
} as const;

const repoRoot = repoRootDir;
/** A path as short as it reads: relative below the working directory, absolute elsewhere. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
};
const printerProfile = 'TM-T20II';
const printerColumns = 42;

/** The system side of the virtual scanner: socat (Debian package `socat`). */
export interface DemoSystem {
  hasSocat(): boolean;
  isRoot(): boolean;
  /** Runs the install line (as root); throws when it fails. */
  install(line: string): void;
}

export const realSystem: DemoSystem = {
  hasSocat: () => spawnSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' }).status === 0,
  isRoot: () => process.getuid?.() === 0,
  install: (line) =>
    execFileSync('sh', ['-c', line], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }),
};

export const socatInstallLine = 'apt-get update && apt-get install -y --no-install-recommends socat';

/**
 * The virtual scanner needs socat. As root the demo installs it the way the test command does
 * (scripts/system-deps.mjs: apt-get); otherwise it stops with the exact line to run.
 */
export function ensureSocat(system: DemoSystem, say: (line: string) => void): void {
  if (system.hasSocat()) return;
  const stop = (why: string) =>
    new TillpointError(
      'demo_needs_socat',
      `${why}. Install it, then start the demo again:\n\n  sudo sh -c '${socatInstallLine}'\n`,
    );
  if (!system.isRoot()) throw stop('the demo’s virtual scanner needs socat, which is not installed');
  say('Installing socat for the demo’s virtual scanner (apt-get)...');
  try {
    system.install(socatInstallLine);
  } catch (cause) {
    throw stop(`installing socat failed (${(cause as Error).message})`);
  }
  if (!system.hasSocat()) throw stop('socat is still not on PATH after installing it');
}

/**
 * The README's main job: the agent on an embedded SQLite ledger with a demo program, a
 * virtual serial scanner (a socat pty pair the agent opens like a real port) and a virtual
 * printer on loopback that shows each slip as text and writes its picture. Prints what to do
 * next, with the cards' real balances, and tells in sentences what happens.
 */
export async function runDemo(o: DemoOptions): Promise<{ agent: RunningAgent; stop(): Promise<void> }> {
  const say = o.say ?? ((line: string) => console.log(line));
  const language = o.language ?? 'en';
  const dir = resolve(o.dir);
  ensureSocat(o.system ?? realSystem, say);
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const kept = existsSync(join(dataDir, 'till.sqlite'));
  if (o.reset === true) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(dir, 'slips'), { recursive: true, force: true });
  }
  const programFile = join(dir, 'program.json');
  if (!existsSync(programFile))
    copyFileSync(join(repoRoot, 'fixtures/programs/sample-grocery.json'), programFile);

  const tokenFile = join(dir, 'api-token');
  if (!existsSync(tokenFile))
    writeFileSync(tokenFile, `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll('-', ''), {
      mode: 0o600,
    });
  const token = readFileSync(tokenFile, 'utf8').trim();

  const { printer, port: printerPort } = await startVirtualPrinter({ port: 0 });
  const scanner = new VirtualSerialScanner();
  await scanner.start(dir);
  const configFile = join(dir, 'tillpoint.yaml');
  writeFileSync(
    configFile,
    renderStarterConfig({
      storeId: 'demo-store',
      tillId: 'demo-till-1',
      program: 'program.json',
      dataDir: './data',
      port: o.port,
      token,
      scannersYaml: `  - kind: serial\n    id: virtual-scanner\n    path: ${scanner.portPath}\n    suffix: any`,
      printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${printerPort}\n  profile: ${printerProfile}\n  columns: ${printerColumns}`,
    }).replace(/^language: en\b/m, `language: ${language}`),
    { mode: 0o600 },
  );

  const logger = pino({ level: 'info' }, pino.destination({ dest: join(dir, 'agent.log'), sync: false }));
  const agent = await startAgent({ configPath: configFile, logger });
  seedDemoCards(agent);
  const currency = agent.session.program.program.currency;

  agent.events.subscribe((event) => {
    const line = narrate(event, language, currency);
    if (line !== undefined) say(`  ${line}`);
  });
  const slipsDir = join(dir, 'slips');
  let shownJobs = 0;
  const watchPrinter = setInterval(() => {
    const jobs = printer.jobs();
    for (; shownJobs < jobs.length; shownJobs++)
      showSlip(jobs[shownJobs] as Uint8Array, shownJobs + 1, slipsDir, say);
  }, 200);
  watchPrinter.unref();

  say(banner({ base: agent.url, tokenFile, configFile, dir, agent, reset: o.reset === true, kept, scanner }));
  return {
    agent,
    async stop() {
      clearInterval(watchPrinter);
      await agent.stop();
      if (scanner.running) await scanner.stop();
      await printer.stop();
    },
  };
}

/** A slip the virtual printer got: its text as the printer prints it, and its picture (PNG). */
function showSlip(job: Uint8Array, n: number, slipsDir: string, say: (line: string) => void): void {
  mkdirSync(slipsDir, { recursive: true });
  const png = join(slipsDir, `slip-${String(n).padStart(3, '0')}.png`);
  writeFileSync(png, renderPreviewPng(job, { widthDots: 576, profile: printerProfile }));
  const text = escposTextLines(job, { profile: printerProfile, columns: printerColumns });
  const rule = `  +${'-'.repeat(printerColumns + 2)}+`;
  say(
    [
      `  The virtual printer printed slip ${n} (${job.length} bytes of ESC/POS); its picture: ${shown(png)}`,
      rule,
      ...text.map((line) => `  | ${line.padEnd(printerColumns)} |`),
      rule,
    ].join('\n'),
  );
}

function banner(b: {
  base: string;
  tokenFile: string;
  configFile: string;
  dir: string;
  agent: RunningAgent;
  reset: boolean;
  kept: boolean;
  scanner: VirtualSerialScanner;
}): string {
  const { base, tokenFile } = b;
  const points = (code: string) => {
    const info = b.agent.session.cardInfo(code);
    return info.ok ? info.value.spendablePoints : 0;
  };
  const feed = shown(b.scanner.feedPath);
  const scan = (code: string) =>
    `npx --yes pnpm@10 tillpoint scan ${code}${feed === '.tillpoint/demo/scanner-feed' ? '' : ` --feed ${feed}`}`;
  const basket = `{"currency":"RUB","lines":[{"id":"1","sku":"milk-1l","category":"milk","quantity":2,"unitPriceMinor":8990,"amountMinor":17980},{"id":"2","sku":"bread","category":"bakery","quantity":1,"unitPriceMinor":6500,"amountMinor":6500}]}`;
  const state = b.reset
    ? 'Started afresh (--reset): the demo cards are as the demo seeds them.'
    : b.kept
      ? 'State kept from the last run (sales, balances); start with --reset to begin afresh.'
      : 'A fresh demo: the ledger was created just now.';
  return `
Tillpoint demo is running. ${state}
  local API     ${base}   (token in ${tokenFile})
  cashier page  ${base}/   (open it in a browser; sign in once with the token in ${tokenFile})
  API docs      ${base}/docs   (OpenAPI: ${base}/openapi.json)
  config        ${b.configFile}
  ledger        ${join(b.dir, 'data', 'till.sqlite')}
  log           ${join(b.dir, 'agent.log')}
  slips         ${join(b.dir, 'slips')}   (a picture of every slip the virtual printer gets)

Try it, in another terminal:
  1. Scan a card (a buyer with ${points(demoCards.regular)} points to spend):   ${scan(demoCards.regular)}
     a new card: ${demoCards.fresh}, a blocked one: ${demoCards.blocked}, a misread: 2000000000016
  2. Ask what a basket earns and may spend:
     curl -s -H "Authorization: Bearer $(cat ${tokenFile})" -H 'content-type: application/json' \\
       ${base}/v1/quote -d '{"cardCode":"${demoCards.regular}","basket":${basket}}'
  3. Sell, spending 50 points (the slip prints on the virtual printer, here in this terminal):
     curl -s -H "Authorization: Bearer $(cat ${tokenFile})" -H 'content-type: application/json' \\
       ${base}/v1/sales -d '{"idempotencyKey":"demo-receipt-${Date.now()}","receiptId":"R-${Date.now() % 100_000}","cardCode":"${demoCards.regular}","spendPoints":50,"basket":${basket}}'
Stop with Ctrl+C.
`;
}

function seedDemoCards(agent: RunningAgent): void {
  const ledger = agent.ledger;
  if (ledger === undefined) return;
  const at = Date.now();
  if (ledger.getCard(demoCards.regular, at) === undefined) {
    ledger.enrolCard({
      idempotencyKey: 'demo-enrol-regular',
      cardId: demoCards.regular,
      phone: '+79160000001',
      consentAt: at,
      at,
    });
    ledger.adjust({
      idempotencyKey: 'demo-opening-balance',
      cardId: demoCards.regular,
      points: 500,
      actor: 'demo',
      role: 'marketer',
      reason: 'demo opening balance',
      at,
    });
  }
  if (ledger.getCard(demoCards.blocked, at) === undefined) {
    ledger.enrolCard({ idempotencyKey: 'demo-enrol-blocked', cardId: demoCards.blocked, at });
    ledger.blockCard({
      idempotencyKey: 'demo-block',
      cardId: demoCards.blocked,
      at,
      reason: 'demo: reported stolen',
    });
  }
}
