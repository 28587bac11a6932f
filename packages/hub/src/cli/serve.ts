import { readFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import type { FastifyInstance } from 'fastify';
import type { AdminStore } from '../admin/admin-store';
import { LogSmsGateway, type SmsGateway } from '../buyer/sms-gateway';
import type { FraudConfig } from '../fraud/fraud-config';
import { FraudDesk } from '../fraud/fraud-desk';
import { fraudRoutes } from '../fraud/fraud-routes';
import { type FraudDatabase, startFraudControl } from '../fraud/fraud-schedule';
import type { FraudStore } from '../fraud/fraud-store';
import { buildHubServer } from '../hub-server';
import type { HubStore } from '../hub-store';
import { HubMetrics } from '../metrics/hub-metrics';
import { instrumentHubStore } from '../metrics/instrument-hub-store';
import type { ReportStore } from '../reports/report-store';
import { loadOrCreateHubKeys } from '../rule-signing';

export interface ServeOptions {
  host?: string;
  port: number;
  key: string;
  cert?: string;
  tlsKey?: string;
  insecureHttp: boolean;
  expiryEveryMin: number;
  logLevel: string;
  /** The people who sign in to the console and the admin API (their own tables beside the hub's). */
  admin?: AdminStore;
  /** The console's reads (rollups, card lookup, settings): with it, cards, corrections and reports are served. */
  reports?: ReportStore;
  /** Bearer token for /metrics behind a proxy; without it only this machine may read /metrics. */
  metricsToken?: string;
  /**
   * Fraud control: its store, its settings, how often its job runs once caught up (0: never; its
   * routes still serve), and the database's location for the job's own connections in a worker
   * thread (without it the job runs on this thread).
   */
  fraud?: { store: FraudStore; config: FraudConfig; everySec: number; database?: FraudDatabase };
  /** How one-time codes reach buyers' phones (default: `LogSmsGateway`, the hub's log). */
  smsGateway?: SmsGateway;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Where and how to listen, decided before anything opens: TLS when a certificate is given;
 * plain HTTP only on loopback (behind a TLS reverse proxy), or anywhere with `--insecure-http`
 * for a lab. Tills send their secret on every request. Pure.
 */
export function listenPlan(o: Pick<ServeOptions, 'host' | 'cert' | 'tlsKey' | 'insecureHttp'>): {
  host: string;
  tls: boolean;
} {
  if ((o.cert === undefined) !== (o.tlsKey === undefined))
    throw new TillpointError(
      'invalid_option',
      '--cert and --tls-key go together: give both for HTTPS, or neither',
    );
  const tls = o.cert !== undefined;
  const host = o.host ?? (tls ? '0.0.0.0' : '127.0.0.1');
  if (!tls && !isLoopback(host) && !o.insecureHttp)
    throw new TillpointError(
      'insecure_http_refused',
      `--host ${host}: refusing to serve plain HTTP beyond this machine: tills send their secret on every request. Give --cert and --tls-key, or serve on 127.0.0.1 behind a TLS reverse proxy, or add --insecure-http in a lab`,
    );
  return { host, tls };
}

/** One info line per push (a sync batch), the rest at debug; failures at warn. */
export function logSyncTraffic(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const path = request.routeOptions.url ?? request.url;
    const status = reply.statusCode;
    const ms = Math.round(reply.elapsedTime);
    const till = request.till?.tillId;
    if (path === '/v1/sync/push' && status < 400) {
      const body = request.body as { entries?: unknown[]; fromSeq?: number; toSeq?: number } | undefined;
      request.log.info(
        { till, entries: body?.entries?.length, fromSeq: body?.fromSeq, toSeq: body?.toSeq, status, ms },
        `push from ${till ?? '?'}: ${body?.entries?.length ?? 0} entries (seq ${body?.fromSeq}-${body?.toSeq}) in ${ms} ms`,
      );
    } else if (status >= 400 && status < 500)
      request.log.warn({ till, path, status, ms }, `${request.method} ${path} answered ${status}`);
    else request.log.debug({ till, path, status, ms }, `${request.method} ${path} ${status}`);
  });
}

/** Serves until SIGINT/SIGTERM; runs the expiry and vesting jobs on their timer. */
export async function serve(database: HubStore, o: ServeOptions, say: (line: string) => void): Promise<void> {
  const plan = listenPlan(o);
  // One instrumented store for the sync routes and the jobs, so both are counted in /metrics.
  const metrics = new HubMetrics({ processMetrics: true });
  const store = instrumentHubStore(database, metrics);
  const keys = loadOrCreateHubKeys(o.key);
  const https = plan.tls
    ? { cert: readFileSync(o.cert as string), key: readFileSync(o.tlsKey as string) }
    : undefined;
  const app = buildHubServer({
    store,
    keys,
    logger: { level: o.logLevel },
    requestLogging: false,
    metrics,
    ...(o.metricsToken === undefined ? {} : { metricsToken: o.metricsToken }),
    ...(o.admin === undefined
      ? {}
      : {
          admin: {
            store: o.admin,
            ...(o.reports === undefined ? {} : { reports: o.reports }),
            ...(o.fraud === undefined
              ? {}
              : { routes: fraudRoutes(new FraudDesk(store, o.fraud.store, o.fraud.config.capPoints)) }),
          },
        }),
    ...(https ? { https } : {}),
    ...(o.reports === undefined
      ? {}
      : {
          identify: {
            cardsByPhoneHash: (hash: string, limit: number) =>
              (o.reports as ReportStore).cardsByPhoneHash(hash, limit),
            gateway: o.smsGateway ?? new LogSmsGateway((line) => app.log.warn({ code: 'sms_logged' }, line)),
          },
        }),
  });
  logSyncTraffic(app);
  await app.listen({ host: plan.host, port: o.port });
  say(
    `tillpoint-hub: serving ${plan.tls ? 'HTTPS' : 'plain HTTP'} on ${plan.host}:${o.port} (${store.kind})`,
  );
  const every = o.expiryEveryMin * 60_000;
  const job =
    every > 0
      ? setInterval(() => {
          // A failed run (database away) is logged and retried at the next tick, never a crash.
          store
            .runExpiry(Date.now(), 10_000)
            .catch((error: unknown) => app.log.error({ err: error }, 'expiry job failed'));
          store
            .announceVesting(Date.now(), 100_000)
            .catch((error: unknown) => app.log.error({ err: error }, 'vesting job failed'));
        }, every)
      : undefined;
  const stopFraud = o.fraud ? startFraudControl(store, o.fraud, o.admin, app.log) : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  if (job) clearInterval(job);
  await stopFraud?.();
  await app.close();
}
