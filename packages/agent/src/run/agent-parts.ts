import { mkdirSync } from 'node:fs';
import type { Clock } from '@tillpoint/core';
import { openLedgerStore, type SqliteLedgerStore } from '@tillpoint/ledger/store';
import { createTransport, PrintQueue } from '@tillpoint/printer';
import type { Health } from '@tillpoint/protocol';
import { type ProgramVersion, parseProgramText } from '@tillpoint/rules';
import { createScanner, type ScannerBinding } from '@tillpoint/scanner';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAdminRoutes } from '../api/admin-routes';
import type { AgentConfig } from '../config/agent-config';
import { ConfigError } from '../config/config-error';
import type { LoadedConfig } from '../config/load-config';
import { readProgram } from '../config/load-program';
import { pageDepsFrom, registerCompanionPage } from '../page/companion-page';
import { startSync } from '../sync/start-sync';
import type { SyncClient } from '../sync/sync-client';
import { registerIdentifyRoutes } from '../till/identify-routes';
import { identifyDeskFor } from '../till/identify-setup';
import type { TillSession } from '../till/till-session';
import type { AgentLock } from './agent-lock';
import type { AgentEvents } from './events';
import { registerStatusRoute } from './till-status';

/**
 * The steps `startAgent` composes, each on its own: the program and data folder (or a
 * config error a person can act on), the ledger (or loyalty off), the print queue, head
 * office's rule sets, the scanners and the health answer.
 */

/** The program file, read and checked: a refused one stops the start with its reasons. */
export async function programOrStop(loaded: LoadedConfig): Promise<ProgramVersion> {
  const program = await readProgram(loaded);
  if (program.ok) return program.value;
  throw new ConfigError(
    'config_invalid',
    program.code === 'invalid_program'
      ? `program ${loaded.paths.programFile} (from "program" in ${loaded.file}) is refused:\n${program.message}`
      : program.message,
    { context: { file: loaded.paths.programFile } },
  );
}

/** The data folder, created when missing (0750). */
export function makeDataDir(loaded: LoadedConfig): void {
  const { dataDir } = loaded.paths;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  } catch (cause) {
    throw new ConfigError(
      'config_invalid',
      `${loaded.file}: dataDir: cannot create ${dataDir} (${(cause as Error).message}); point it at a writable folder`,
      { cause },
    );
  }
}

/** The ledger, or why it did not open: then loyalty is off and the sale goes on. */
export function openLedgerOrOff(
  d: { loaded: LoadedConfig; clock: Clock; logger: Logger; events: AgentEvents },
  programVersion: string,
): { ledger: SqliteLedgerStore | undefined; ledgerProblem: string | undefined } {
  const file = d.loaded.paths.ledgerFile;
  try {
    const ledger = openLedgerStore({ path: file, tillId: d.loaded.config.tillId, clock: d.clock });
    d.events.publish('loyalty', { state: 'available', programVersion });
    return { ledger, ledgerProblem: undefined };
  } catch (error) {
    const ledgerProblem = `${(error as { code?: string }).code ?? 'ledger_failed'}: ${(error as Error).message}`;
    d.logger.error(
      { code: 'loyalty_unavailable', err: error, file },
      'the ledger did not open: loyalty is off, sales go on',
    );
    d.events.publish('loyalty', { state: 'unavailable', reason: ledgerProblem });
    return { ledger: undefined, ledgerProblem };
  }
}

/** The print queue of the configured printer, its states told in the log and on the event stream. */
export function startPrintQueue(d: {
  config: AgentConfig;
  db: Database.Database;
  clock: Clock;
  logger: Logger;
  events: AgentEvents;
}): PrintQueue | undefined {
  const { config, logger, events } = d;
  if (config.printer === undefined) return undefined;
  const printQueue = new PrintQueue(d.db, createTransport(config.printer), { clock: d.clock });
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
  return printQueue;
}

/**
 * A signed rule set from head office replaces the program file once it is effective
 * (signatures are checked when it is pulled); checked now and after every sync run, never on a
 * sale. Answers the unsubscribe.
 */
export function followHeadOfficeRules(d: {
  sync: SyncClient | undefined;
  session: TillSession;
  logger: Logger;
  events: AgentEvents;
}): () => void {
  let ruleSetSeen: string | undefined;
  const apply = () => {
    const ruleSet = d.sync?.currentRuleSet();
    if (ruleSet === undefined || ruleSet.version === ruleSetSeen) return;
    ruleSetSeen = ruleSet.version;
    const parsed = parseProgramText(ruleSet.ruleSetJson, `head-office rule set ${ruleSet.version}`);
    if (!parsed.ok) {
      d.logger.error({ code: 'invalid_program', ruleSet: ruleSet.version }, parsed.message);
      d.events.publish('loyalty', {
        state: 'available',
        problem: `rule set ${ruleSet.version} refused; keeping the current program`,
      });
      return;
    }
    d.session.useProgram(parsed.value);
  };
  apply();
  return d.events.subscribe((event) => {
    if (event.type === 'sync') apply();
  });
}

/**
 * The card as the POS and the page are told of it. `source`: a scan, or head office's balance
 * arriving for a card scanned a moment ago.
 */
export function cardPublisher(session: TillSession, events: AgentEvents) {
  return (code: string, source: 'scan' | 'head_office') => {
    const info = session.cardInfo(code);
    events.publish(
      'card',
      info.ok
        ? { ...info.value, known: true, source }
        : { cardCode: code, known: false, code: info.code, message: info.message, source },
    );
  };
}

/** The configured scanners; each scan is told on the event stream, a card's with its balance. */
export function bindScanners(
  d: { config: AgentConfig; clock: Clock; events: AgentEvents },
  publishCard: (code: string, source: 'scan') => void,
): ScannerBinding[] {
  const scanners = d.config.scanners.map((scannerConfig) =>
    createScanner(scannerConfig, { clock: d.clock, cardRanges: d.config.cardRanges }),
  );
  for (const scanner of scanners) {
    scanner.on('scan', (scan) => {
      d.events.publish('scan', {
        code: scan.code,
        symbology: scan.symbology,
        deviceId: scan.deviceId,
        card: scan.card?.kind ?? 'product',
      });
      if (scan.card?.kind === 'card') publishCard(scan.code, 'scan');
    });
  }
  return scanners;
}

/** The scanners as health and status show them. */
export const scannerStates = (scanners: readonly ScannerBinding[]) =>
  scanners.map((s) => ({ deviceId: s.deviceId, power: s.power, lifecycle: s.lifecycle }));

/** `GET /v1/health`: loyalty, the rule set in force, printer and scanners. */
export function agentHealth(d: {
  config: AgentConfig;
  session: TillSession;
  events: AgentEvents;
  printQueue: PrintQueue | undefined;
  scanners: readonly ScannerBinding[];
}): () => Health {
  const { config, session } = d;
  return () => {
    const printer = d.events.latest('printer');
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
              state: d.printQueue?.printerState() ?? 'unknown',
              ...(typeof printer?.data.message === 'string' ? { message: printer.data.message } : {}),
            },
      scanners: scannerStates(d.scanners),
    };
  };
}

/** The routes beside the POS API on the same server: store IT's, identification, the page, status. */
export function registerTillRoutes(
  app: FastifyInstance,
  d: {
    loaded: LoadedConfig;
    program: ProgramVersion;
    clock: Clock;
    db: Database.Database;
    session: TillSession;
    sync: SyncClient | undefined;
    printQueue: PrintQueue | undefined;
    scanners: readonly ScannerBinding[];
    health: () => Health;
  },
): void {
  const { loaded, session, sync, printQueue } = d;
  const { config, paths } = loaded;
  registerAdminRoutes(app, { ledger: () => session.ledgerStore, dataDir: paths.dataDir });
  registerIdentifyRoutes(
    app,
    identifyDeskFor({
      config,
      dataDir: paths.dataDir,
      db: d.db,
      clock: d.clock,
      session,
      online: () => sync !== undefined && sync.status().state !== 'offline',
    }),
  );
  registerCompanionPage(app, pageDepsFrom(config, d.program));
  registerStatusRoute(app, {
    loaded,
    programVersion: () => session.program.versionId,
    loyalty: () => d.health().loyalty,
    outbox: () => session.ledgerStore?.outboxHead(),
    sync: () => sync?.status(),
    printQueue: () =>
      printQueue && {
        queued: printQueue.list('queued').length + printQueue.list('sending').length,
        uncertain: printQueue.list('uncertain').length,
      },
    devices: () => scannerStates(d.scanners),
    nowMs: () => d.clock.nowMs(),
  });
}

/**
 * Head office's sync loop on its own timers (none without a ledger); a sale only nudges it,
 * never waits for it.
 */
export function startTillSync(
  d: {
    loaded: LoadedConfig;
    ledger: SqliteLedgerStore | undefined;
    db: Database.Database;
    clock: Clock;
    logger: Logger;
    events: AgentEvents;
  },
  onCardsArrived: (cardIds: string[]) => void,
): { sync: SyncClient | undefined; unsubscribeSync: () => void } {
  const sync =
    d.ledger === undefined
      ? undefined
      : startSync({
          config: d.loaded.config,
          dataDir: d.loaded.paths.dataDir,
          outbox: d.ledger,
          db: d.db,
          clock: d.clock,
          logger: d.logger,
          events: d.events,
          onCardsArrived,
        }).client;
  const unsubscribeSync = d.events.subscribe((event) => {
    if (event.type === 'sale') sync?.nudge();
  });
  return { sync, unsubscribeSync };
}

/** Listens on 127.0.0.1 only; answers the port (the one asked for, or the free one given for 0). */
export async function listenOnLoopback(app: FastifyInstance, port: number): Promise<number> {
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

/**
 * Stops the agent's parts in order. Closing the server waits for requests in hand: a commit in
 * progress finishes before the ledger closes.
 */
export async function stopInOrder(
  d: {
    app: FastifyInstance;
    scanners: readonly ScannerBinding[];
    printQueue: PrintQueue | undefined;
    sync: SyncClient | undefined;
    ledger: SqliteLedgerStore | undefined;
    agentDb: Database.Database;
    lock: AgentLock;
    logger: Logger;
  },
  unsubscribe: readonly (() => void)[],
): Promise<void> {
  await d.app.close();
  await Promise.allSettled(d.scanners.map((s) => s.close()));
  await d.printQueue?.stop();
  for (const off of unsubscribe) off();
  await d.sync?.stop();
  d.ledger?.close();
  d.agentDb.close();
  d.lock.release();
  d.logger.info('agent stopped');
}
