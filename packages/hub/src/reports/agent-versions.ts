import type { Clock } from '@tillpoint/core';
import type { FastifyInstance } from 'fastify';
import type { ReportStore } from './report-store';

/**
 * The agent version each till runs, for the tills report: read from the `User-Agent` of its
 * accepted pushes (`tillpoint-agent/<version>`), written when it changes (and once after a start).
 */
const agentPattern = /\btillpoint-agent\/([0-9A-Za-z.+-]{1,40})/;

export function agentVersionOf(userAgent: string | undefined): string | null {
  if (userAgent === undefined) return null;
  return agentPattern.exec(userAgent)?.[1] ?? null;
}

/** Tills remembered at most (a chain has thousands; past that the memory starts again). */
const tillsRememberedMax = 100_000;

export function registerAgentVersions(app: FastifyInstance, reports: ReportStore, clock: Clock): void {
  const known = new Map<string, string>();
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 300 || request.routeOptions.url !== '/v1/sync/push') return;
    const till = request.till?.tillId;
    const version = agentVersionOf(request.headers['user-agent']);
    if (till === undefined || version === null || known.get(till) === version) return;
    try {
      await reports.noteAgentVersion(till, version, clock.nowMs());
      if (known.size >= tillsRememberedMax) known.clear();
      known.set(till, version);
    } catch (error) {
      request.log.warn({ err: error, till }, 'could not note the agent version');
    }
  });
}
