import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, systemClock } from '@tillpoint/core';
import { openLedgerStore, type SqliteLedgerStore } from '@tillpoint/ledger/store';
import { createTransport, PrintQueue } from '@tillpoint/printer';
import type { Health } from '@tillpoint/protocol';
import { parseProgramText } from '@tillpoint/rules';
import { createScanner, type ScannerBinding } from '@tillpoint/scanner';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { registerAdminRoutes } from '../api/admin-routes';
import { createLocalApi } from '../api/local-api-server';
import { ConfigError } from '../config/config-error';
import { type LoadedConfig, loadConfig } from '../config/load-config';
import { readProgram } from '../config/load-program';
import { pageDepsFrom, registerCompanionPage } from '../page/companion-page';
import { startSync } from '../sync/start-sync';
import type { SyncClient } from '../sync/sync-client';
import { registerIdentifyRoutes } from '../till/identify-routes';
import { identifyDeskFor } from '../till/identify-setup';
import { TillSession } from '../till/till-session';
import { openAgentDatabase } from './agent-database';
import { AgentLock } from './agent-lock';
import { AgentEvents } from './events';
import { watchScanner } from './scanner-watch';
import { registerStatusRoute } from './till-status';

export interface StartAgentOptions {
  configPath: string;
  clock?: Clock;
  logger?: Logger;
  /** Port override (0: any free port), for tests and the demo. */
  port?: number;
  /** Extra routes on the same server (the companion page). */
  extend?: (app: FastifyInstance) => void;
}

export interface RunningAgent {
  url: string;
  port: number;
  loaded: LoadedConfig;
  session: TillSession;
  events: AgentEvents;
  ledger: SqliteLedgerStore | undefined;
  printQueue: PrintQueue | undefined;
  /** The head-office sync loop; undefined without headOffice, enrolment or ledger. */
  sync: SyncClient | undefined;
  scanners: ScannerBinding[];
  /** Finishes the request in hand, closes devices, the print queue and the ledger. */
  stop(): Promise<void>;
}

/**
 * Starts the till agent: config, program, ledger, print queue, scanners, local API.
 * A ledger that cannot open does not stop the agent: it starts with loyalty off, says why
 * on every call, in the log and on the event stream, and the sale goes on.
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const loaded = loadConfig(options.configPath);
  const { config, paths } = loaded;
  const clock = options.clock ?? systemClock;
  const logger =
    options.logger ?? pino({ level: config.log.level, base: { store: config.storeId, till: config.tillId } });
  const events = new AgentEvents();

  const program = await readProgram(loaded);
  if (!program.ok) {
    throw new ConfigError(
      'config_invalid',
      program.code === 'invalid_program'
        ? `program ${paths.programFile} (from "program" in ${loaded.file}) is refused:\n${program.message}`
        : program.message,
      {
        context: { file: paths.programFile },
      },
    );
  }

  try {
    mkdirSync(paths.dataDir, { recursive: true, mode: 0o750 });
  } catch (cause) {
    throw new ConfigError(
      'config_invalid',
      `${loaded.file}: dataDir: cannot create ${paths.dataDir} (${(cause as Error).message}); point it at a writable folder`,
      { cause },
    );
  }
  // One agent per data directory; `ledger restore` refuses while this lock is held.
  const lock = AgentLock.acquire(paths.dataDir);

  let ledger: SqliteLedgerStore | undefined;
  let ledgerProblem: string | undefined;
  try {
    ledger = openLedgerStore({ path: paths.ledgerFile, tillId: config.tillId, clock });
  } catch (error) {
    ledgerProblem = `${(error as { code?: string }).code ?? 'ledger_failed'}: ${(error as Error).message}`;
    logger.error(
      { code: 'loyalty_unavailable', err: error, file: paths.ledgerFile },
      'the ledger did not open: loyalty is off, sales go on',
    );
    events.publish('loyalty', { state: 'unavailable', reason: ledgerProblem });
  }
  if (ledger !== undefined)
    events.publish('loyalty', { state: 'available', programVersion: program.value.versionId });

  const agentDb = openAgentDatabase(join(paths.dataDir, 'agent.sqlite'));
  // Sync runs on its own timers; a sale only nudges it (never waits for it).
  // Cards scanned here that head office had never sent: once their balances arrive, the POS
  // and the page get a `card` event again (set once the session exists, below).
  let cardsArrived = (_cardIds: string[]): void => {};
  const sync =
    ledger === undefined
      ? undefined
      : startSync({
          config,
          dataDir: paths.dataDir,
          outbox: ledger,
          db: agentDb,
          clock,
          logger,
          events,
          onCardsArrived: (cardIds) => cardsArrived(cardIds),
        }).client;
  const unsubscribeSync = events.subscribe((event) => {
    if (event.type === 'sale') sync?.nudge();
  });

  let printQueue: PrintQueue | undefined;
  if (config.printer !== undefined) {
    printQueue = new PrintQueue(agentDb, createTransport(config.printer), { clock });
    printQueue.on('printer_state', (s) => {
      const level = s.state === 'ok' ? 'info' : 'warn';
      logger[level]({ code: s.state, printer: config.printer?.transport }, `printer: ${s.message}`);
      events.publish('printer', { state: s.state, message: s.message });
    });
    printQueue.on('job_printed', (j) => events.publish('printer', { state: 'ok', printed: j.jobId }));
    printQueue.on('job_uncertain', (j) => {
      logger.warn({ code: 'job_uncertain', jobId: j.jobId }, j.reason);
      events.publish('printer', { state: 'job_uncertain', jobId: j.jobId, message: j.reason });
    });
    printQueue.start();
  }

  const session = new TillSession({
    config,
    program: program.value,
    events,
    clock,
    logger,
    ledger,
    ...(ledgerProblem === undefined ? {} : { ledgerProblem }),
    ...(printQueue === undefined ? {} : { printQueue }),
    ...(sync === undefined ? {} : { offlineGate: sync, headOffice: sync }),
  });

  // A signed rule set from head office replaces the program file once it is effective
  // (signatures are checked when it is pulled); checked after every sync run, never on a sale.
  let ruleSetSeen: string | undefined;
  const applyHeadOfficeRules = () => {
    const ruleSet = sync?.currentRuleSet();
    if (ruleSet === undefined || ruleSet.version === ruleSetSeen) return;
    ruleSetSeen = ruleSet.version;
    const parsed = parseProgramText(ruleSet.ruleSetJson, `head-office rule set ${ruleSet.version}`);
    if (!parsed.ok) {
      logger.error({ code: 'invalid_program', ruleSet: ruleSet.version }, parsed.message);
      events.publish('loyalty', {
        state: 'available',
        problem: `rule set ${ruleSet.version} refused; keeping the current program`,
      });
      return;
    }
    session.useProgram(parsed.value);
  };
  applyHeadOfficeRules();
  const unsubscribeRules = events.subscribe((event) => {
    if (event.type === 'sync') applyHeadOfficeRules();
  });

  /** `source`: a scan, or head office's balance arriving for a card scanned a moment ago. */
  const publishCard = (code: string, source: 'scan' | 'head_office') => {
    const info = session.cardInfo(code);
    events.publish(
      'card',
      info.ok
        ? { ...info.value, known: true, source }
        : { cardCode: code, known: false, code: info.code, message: info.message, source },
    );
  };
  cardsArrived = (cardIds) => {
    for (const id of cardIds) publishCard(id, 'head_office');
  };

  const scanners = config.scanners.map((scannerConfig) =>
    createScanner(scannerConfig, { clock, cardRanges: config.cardRanges }),
  );
  for (const scanner of scanners) {
    scanner.on('scan', (scan) => {
      events.publish('scan', {
        code: scan.code,
        symbology: scan.symbology,
        deviceId: scan.deviceId,
        card: scan.card?.kind ?? 'product',
      });
      if (scan.card?.kind === 'card') publishCard(scan.code, 'scan');
    });
  }
  let stopped = false;
  await Promise.all(scanners.map((s) => watchScanner(s, logger, events, () => stopped)));

  const health = (): Health => {
    const printer = events.latest('printer');
    return {
      status: session.loyaltyAvailable ? 'ok' : 'degraded',
      loyalty: {
        available: session.loyaltyAvailable,
        ...(session.loyaltyProblem === undefined ? {} : { problem: session.loyaltyProblem }),
      },
      // The version in force: a signed head-office rule set replaces the program file's.
      programVersion: session.program.versionId,
      storeId: config.storeId,
      tillId: config.tillId,
      printer:
        config.printer === undefined
          ? null
          : {
              state: printQueue?.printerState() ?? 'unknown',
              ...(typeof printer?.data.message === 'string' ? { message: printer.data.message } : {}),
            },
      scanners: scanners.map((s) => ({ deviceId: s.deviceId, power: s.power, lifecycle: s.lifecycle })),
    };
  };

  const app = createLocalApi({
    session,
    events,
    logger,
    token: config.api.token,
    bodyBytesMax: config.api.bodyBytesMax,
    eventClientsMax: config.api.eventClientsMax,
    health,
    extend: (app) => {
      registerAdminRoutes(app, { ledger: () => session.ledgerStore, dataDir: paths.dataDir });
      registerIdentifyRoutes(
        app,
        identifyDeskFor({
          config,
          dataDir: paths.dataDir,
          db: agentDb,
          clock,
          session,
          online: () => sync !== undefined && sync.status().state !== 'offline',
        }),
      );
      registerCompanionPage(app, pageDepsFrom(config, program.value));
      registerStatusRoute(app, {
        loaded,
        programVersion: () => session.program.versionId,
        loyalty: () => health().loyalty,
        outbox: () => session.ledgerStore?.outboxHead(),
        sync: () => sync?.status(),
        printQueue: () =>
          printQueue && {
            queued: printQueue.list('queued').length + printQueue.list('sending').length,
            uncertain: printQueue.list('uncertain').length,
          },
        devices: () =>
          scanners.map((s) => ({ deviceId: s.deviceId, power: s.power, lifecycle: s.lifecycle })),
        nowMs: () => clock.nowMs(),
      });
      options.extend?.(app);
    },
  });
  // Loopback only: the POS runs on this register; nothing else may reach the ledger.
  await app.listen({ host: '127.0.0.1', port: options.port ?? config.api.port });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address !== null ? address.port : (options.port ?? config.api.port);
  logger.info(
    { port, programVersion: program.value.versionId, loyalty: session.loyaltyAvailable },
    'agent started',
  );

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    loaded,
    session,
    events,
    ledger,
    printQueue,
    scanners,
    sync,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Closing the server waits for requests in hand: a commit in progress finishes first.
      await app.close();
      await Promise.allSettled(scanners.map((s) => s.close()));
      await printQueue?.stop();
      unsubscribeSync();
      unsubscribeRules();
      await sync?.stop();
      ledger?.close();
      agentDb.close();
      lock.release();
      logger.info('agent stopped');
    },
  };
}
