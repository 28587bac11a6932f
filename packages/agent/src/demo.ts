import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVirtualPrinter } from '@tillpoint/printer';
import { VirtualSerialScanner } from '@tillpoint/scanner';
import pino from 'pino';
import { type RunningAgent, startAgent } from './agent';
import { renderStarterConfig } from './config/starter-config';
import type { AgentEvent } from './events';

export interface DemoOptions {
  dir: string;
  port: number;
  say?: (line: string) => void;
}

/** Demo cards: one with an opening balance, one new, one blocked. All pass the EAN-13 check. */
export const demoCards = {
  regular: '2000000000015',
  fresh: '2000000000022',
  blocked: '2000000000039',
} as const;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The README's main job: the agent on an embedded SQLite ledger with a demo program, a
 * virtual serial scanner (a socat pty pair the agent opens like a real port) and a virtual
 * printer on loopback. Prints what to do next and narrates what happens.
 */
export async function runDemo(o: DemoOptions): Promise<{ agent: RunningAgent; stop(): Promise<void> }> {
  const say = o.say ?? ((line: string) => console.log(line));
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true });
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
  let scannerYaml = '  []';
  try {
    await scanner.start(dir);
    scannerYaml = `  - kind: serial\n    id: virtual-scanner\n    path: ${scanner.portPath}\n    suffix: any`;
  } catch (error) {
    say(`(no virtual scanner: ${(error as Error).message}; card codes can still be sent through the API)`);
  }

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
      scannersYaml: scannerYaml,
      printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${printerPort}\n  profile: TM-T20II\n  columns: 42`,
    }),
    { mode: 0o600 },
  );

  const logger = pino({ level: 'info' }, pino.destination({ dest: join(dir, 'agent.log'), sync: false }));
  const agent = await startAgent({ configPath: configFile, logger });
  seedDemoCards(agent);

  agent.events.subscribe((event) => {
    const line = narrate(event);
    if (line !== undefined) say(line);
  });
  let printedJobs = 0;
  const watchPrinter = setInterval(() => {
    const received = printer.connections.filter((c) => c.jobBytes().length > 0).length;
    if (received > printedJobs) {
      printedJobs = received;
      say(
        `  virtual printer: slip received (${printer.connections.at(-1)?.jobBytes().length ?? 0} bytes of ESC/POS)`,
      );
    }
  }, 200);
  watchPrinter.unref();

  const base = agent.url;
  say(`
Tillpoint demo is running.
  local API     ${base}   (token in ${tokenFile})
  cashier page  ${base}/   (open it in a browser; sign in once with the token in ${tokenFile})
  OpenAPI       ${base}/openapi.json
  config        ${configFile}
  ledger        ${join(dir, 'data', 'till.sqlite')}
  log           ${join(dir, 'agent.log')}

Try it, in another terminal:
  1. Scan a card (a buyer with 500 points):   npx --yes pnpm@10 tillpoint scan ${demoCards.regular}
     a new card: ${demoCards.fresh}, a blocked one: ${demoCards.blocked}
  2. Ask what a basket earns and may spend:
     curl -s -H "Authorization: Bearer $(cat ${tokenFile})" -H 'content-type: application/json' \\
       ${base}/v1/quote -d '{"cardCode":"${demoCards.regular}","basket":{"currency":"RUB","lines":[{"id":"1","sku":"milk-1l","category":"milk","quantity":2,"unitPriceMinor":8990,"amountMinor":17980},{"id":"2","sku":"bread","category":"bakery","quantity":1,"unitPriceMinor":6500,"amountMinor":6500}]}}'
  3. Sell, spending 50 points (the slip prints on the virtual printer):
     curl -s -H "Authorization: Bearer $(cat ${tokenFile})" -H 'content-type: application/json' \\
       ${base}/v1/sales -d '{"idempotencyKey":"demo-receipt-0001","receiptId":"R-0001","cardCode":"${demoCards.regular}","spendPoints":50,"basket":{"currency":"RUB","lines":[{"id":"1","sku":"milk-1l","category":"milk","quantity":2,"unitPriceMinor":8990,"amountMinor":17980},{"id":"2","sku":"bread","category":"bakery","quantity":1,"unitPriceMinor":6500,"amountMinor":6500}]}}'
Stop with Ctrl+C.
`);

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

function narrate(event: AgentEvent): string | undefined {
  const d = event.data;
  switch (event.type) {
    case 'scan':
      return d.card === 'card'
        ? undefined
        : `  scan: ${String(d.code)} (${String(d.symbology)}) is ${d.card === 'product' ? 'a product barcode' : 'a misread card: scan again'}`;
    case 'card':
      return d.known === true
        ? `  card ${String(d.cardCode)}: ${String(d.status)}, ${String(d.spendablePoints)} points to spend, ${String(d.pendingPoints)} pending${d.tier !== null && typeof d.tier === 'object' ? `, tier ${String((d.tier as { name: string }).name)}` : ''}`
        : `  card ${String(d.cardCode)}: ${String(d.message)}`;
    case 'sale':
      return d.returnOf !== undefined
        ? `  return against ${String(d.returnOf)}: balance now ${JSON.stringify(d.balance)}`
        : `  sale ${String(d.receiptId)}: +${String(d.earnedPoints)} earned, -${String(d.spentPoints)} spent, balance ${JSON.stringify(d.balance)}`;
    case 'printer':
      return d.state === 'ok' ? undefined : `  printer: ${String(d.state)} ${String(d.message ?? '')}`;
    case 'loyalty':
      return d.state === 'available' ? undefined : `  LOYALTY OFF: ${String(d.reason)}`;
    case 'device':
      return d.error !== undefined ? `  scanner: ${String(d.error)} ${String(d.message ?? '')}` : undefined;
    default:
      return undefined;
  }
}
