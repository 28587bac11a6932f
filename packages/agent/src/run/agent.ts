import { join } from 'node:path';
import { type Clock, systemClock } from '@tillpoint/core';
import type { SqliteLedgerStore } from '@tillpoint/ledger/store';
import type { PrintQueue } from '@tillpoint/printer';
import type { ScannerBinding } from '@tillpoint/scanner';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createLocalApi } from '../api/local-api-server';
import { type LoadedConfig, loadConfig } from '../config/load-config';
import type { SyncClient } from '../sync/sync-client';
import { TillSession } from '../till/till-session';
import { openAgentDatabase } from './agent-database';
import { AgentLock } from './agent-lock';
import {
  agentHealth,
  bindScanners,
  cardPublisher,
  followHeadOfficeRules,
  listenOnLoopback,
  makeDataDir,
  openLedgerOrOff,
  programOrStop,
  registerTillRoutes,
  startPrintQueue,
  startTillSync,
  stopInOrder,
} from './agent-parts';
import { AgentEvents } from './events';
import { watchScanner } from './scanner-watch';

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
  const program = await programOrStop(loaded);
  makeDataDir(loaded);
  // One agent per data directory; `ledger restore` refuses while this lock is held.
  const lock = AgentLock.acquire(paths.dataDir);
  const { ledger, ledgerProblem } = openLedgerOrOff({ loaded, clock, logger, events }, program.versionId);

  const agentDb = openAgentDatabase(join(paths.dataDir, 'agent.sqlite'));
  // Cards scanned here that head office had never sent: once their balances arrive, the POS
  // and the page get a `card` event again (set once the session exists, below).
  let cardsArrived = (_cardIds: string[]): void => {};
  const { sync, unsubscribeSync } = startTillSync(
    { loaded, ledger, db: agentDb, clock, logger, events },
    (cardIds) => cardsArrived(cardIds),
  );
  const printQueue = startPrintQueue({ config, db: agentDb, clock, logger, events });

  const session = new TillSession({
    config,
    program,
    events,
    clock,
    logger,
    ledger,
    ...(ledgerProblem === undefined ? {} : { ledgerProblem }),
    ...(printQueue === undefined ? {} : { printQueue }),
    ...(sync === undefined ? {} : { offlineGate: sync, headOffice: sync }),
  });
  const unsubscribeRules = followHeadOfficeRules({ sync, session, logger, events });
  const publishCard = cardPublisher(session, events);
  cardsArrived = (cardIds) => {
    for (const id of cardIds) publishCard(id, 'head_office');
  };

  const scanners = bindScanners({ config, clock, events }, publishCard);
  let stopped = false;
  await Promise.all(scanners.map((s) => watchScanner(s, logger, events, () => stopped)));
  const health = agentHealth({ config, session, events, printQueue, scanners });

  const app = createLocalApi({
    session,
    events,
    logger,
    token: config.api.token,
    bodyBytesMax: config.api.bodyBytesMax,
    eventClientsMax: config.api.eventClientsMax,
    health,
    extend: (app) => {
      registerTillRoutes(app, {
        loaded,
        program,
        clock,
        db: agentDb,
        session,
        sync,
        printQueue,
        scanners,
        health,
      });
      options.extend?.(app);
    },
  });
  // Loopback only: the POS runs on this register; nothing else may reach the ledger.
  const port = await listenOnLoopback(app, options.port ?? config.api.port);
  logger.info(
    { port, programVersion: program.versionId, loyalty: session.loyaltyAvailable },
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
      await stopInOrder({ app, scanners, printQueue, sync, ledger, agentDb, lock, logger }, [
        unsubscribeSync,
        unsubscribeRules,
      ]);
    },
  };
}
