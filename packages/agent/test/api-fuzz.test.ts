import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVirtualPrinter, type VirtualPrinter } from '@tillpoint/printer';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import {
  asText,
  bodies,
  type FuzzBody,
  type FuzzRequest,
  fuzzRoutes,
  oddValue,
  type Route,
  routesFromTree,
} from '@tillpoint/test-kit/http-fuzz';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../src/run/agent';
import { bundleForTest } from './power-loss/agent-bundle';
import { faultSeed } from './power-loss/fault-seed';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'fuzz-token-0123456789abcdefghijklm';
const runs = Number(process.env.TILLPOINT_API_FUZZ_RUNS ?? 10_000);
const seed = faultSeed('TILLPOINT_FUZZ_SEED');
const bodyBytesMax = 256 * 1024;
const cards = ['200000000001', '200000000002', '200000000003'].map((body) => `${body}${gs1CheckDigit(body)}`);
/** Receipts booked before the fuzz, so returns, slips and prints find something. */
const receipts = ['FUZZ-1', 'FUZZ-2', 'FUZZ-3'];
/** At most this much resident memory gained over the whole run (a leak grows without bound). */
const rssGrowthMax = 160 * 1024 * 1024;

// ---- valid requests, the mutations' starting points ----

const card = fc.constantFrom(...cards);
const key = fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/);
const line = fc.record({
  quantity: fc.integer({ min: 1, max: 5 }),
  price: fc.integer({ min: 1, max: 200_000 }),
});
const basket = fc.array(line, { minLength: 1, maxLength: 4 }).map((lines) => ({
  currency: 'RUB',
  lines: lines.map((l, i) => ({
    id: String(i + 1),
    sku: `sku-${i}`,
    quantity: l.quantity,
    unitPriceMinor: l.price,
    amountMinor: l.quantity * l.price,
  })),
}));
const spend = fc.integer({ min: 0, max: 60 });
const identificationId = fc.stringMatching(/^idn_[A-Za-z0-9_-]{22}$/);
/** A path parameter: mostly a usable value, sometimes anything at all, percent-encoded. */
const param = (usable: fc.Arbitrary<string>) =>
  fc
    .oneof({ arbitrary: usable, weight: 3 }, { arbitrary: oddValue.map(asText), weight: 2 })
    .map(encodeURIComponent);

/** Per route (method and URL as registered): the path to call and the valid bodies to mutate. */
const requestsByRoute: Record<string, { path: fc.Arbitrary<string>; body?: fc.Arbitrary<unknown> }> = {
  'POST /v1/cards/:cardCode/enrol': {
    path: param(card).map((c) => `/v1/cards/${c}/enrol`),
    body: fc.record({ idempotencyKey: key, phone: fc.constant('+79161234567'), consent: fc.constant(true) }),
  },
  'GET /v1/cards/:cardCode': { path: param(card).map((c) => `/v1/cards/${c}`) },
  'POST /v1/quote': {
    path: fc.constant('/v1/quote'),
    body: fc.record(
      { cardCode: card, basket, spendPoints: spend, identificationId },
      { requiredKeys: ['basket'] },
    ),
  },
  'POST /v1/reservations': {
    path: fc.constant('/v1/reservations'),
    body: fc.record(
      {
        idempotencyKey: key,
        cardCode: card,
        basket,
        spendPoints: fc.integer({ min: 1, max: 30 }),
        ttlSeconds: fc.integer({ min: 5, max: 60 }),
      },
      { requiredKeys: ['idempotencyKey', 'cardCode', 'basket', 'spendPoints'] },
    ),
  },
  'POST /v1/cards/identify': {
    path: fc.constant('/v1/cards/identify'),
    body: fc.record({ phone: fc.constantFrom('+79161234567', '+7 (916) 123-45-67', '89161234567') }),
  },
  'POST /v1/cards/identify/code': {
    path: fc.constant('/v1/cards/identify/code'),
    body: fc.record({ identificationId }),
  },
  'POST /v1/cards/identify/verify': {
    path: fc.constant('/v1/cards/identify/verify'),
    body: fc.record({ identificationId, code: fc.stringMatching(/^[0-9]{6}$/) }),
  },
  'POST /v1/reservations/cancel': {
    path: fc.constant('/v1/reservations/cancel'),
    body: fc.record({ idempotencyKey: key, holdId: fc.uuid() }),
  },
  'POST /v1/sales': {
    path: fc.constant('/v1/sales'),
    body: fc.record(
      { idempotencyKey: key, receiptId: key, cardCode: card, basket, spendPoints: spend, identificationId },
      { requiredKeys: ['idempotencyKey', 'receiptId', 'cardCode', 'basket'] },
    ),
  },
  'POST /v1/returns': {
    path: fc.constant('/v1/returns'),
    body: fc.record({
      idempotencyKey: key,
      originalReceiptId: fc.constantFrom(...receipts),
      returnedAmountMinor: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  'GET /v1/sales/:receiptId/slip': {
    path: param(fc.constantFrom(...receipts)).map((r) => `/v1/sales/${r}/slip`),
  },
  'POST /v1/sales/:receiptId/print': {
    path: param(fc.constantFrom(...receipts)).map((r) => `/v1/sales/${r}/print`),
    // a few keys only: every new key is a new print job
    body: fc.record({ idempotencyKey: fc.constantFrom('print-key-1', 'print-key-2', 'print-key-3') }),
  },
  'POST /v1/admin/backup': {
    path: fc.constant('/v1/admin/backup'),
    // a few names only: every new name is a copy of the ledger on disk
    body: fc.record({ name: fc.constantFrom('fuzz-a.sqlite', 'fuzz-b.sqlite') }, { requiredKeys: [] }),
  },
  'POST /page/login': {
    path: fc.constant('/page/login'),
    body: fc.record({ token: fc.constantFrom(token, 'wrong') }),
  },
  'POST /page/logout': { path: fc.constant('/page/logout'), body: fc.constant({}) },
  'GET /page/:asset': {
    path: param(fc.constantFrom('app.js', 'api.js', 'style.css', 'format.js', 'index.html')).map(
      (a) => `/page/${a}`,
    ),
  },
};

/**
 * How many requests a route gets: `runs` when it takes a body or a path parameter; a tenth
 * (at least 100) when its only inputs are the query string and headers (`/`, `/openapi.json`,
 * `/v1/health`, and `/v1/events`, whose every request holds a stream open).
 */
function countFor(route: Route): number {
  return route.method !== 'GET' || route.url.includes(':') ? runs : Math.max(100, Math.ceil(runs / 10));
}

/**
 * A backup without a name gets one from the clock: a new copy of the ledger on disk every
 * second, each blocking the agent for its fsyncs. The fuzz names such bodies (a mutation that
 * removed the name) so that its backups stay two files; every other part of them stays fuzzed.
 */
const namedBackup =
  (route: Route) =>
  (body: FuzzBody): FuzzBody => {
    if (route.url !== '/v1/admin/backup') return body;
    try {
      const value = JSON.parse(body.text) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('name' in value))
        return { ...body, text: JSON.stringify({ ...value, name: 'fuzz-a.sqlite' }) };
    } catch {
      // not JSON: refused before any backup
    }
    return body;
  };

/** What the fuzz sends to one route: its requests, each with its path, headers and body. */
function requestsFor(route: Route, index: number): FuzzRequest[] {
  const known = requestsByRoute[`${route.method} ${route.url}`];
  // A route nobody wrote a generator for is still fuzzed: its URL as registered, any body.
  const path = known?.path ?? fc.constant(route.url);
  const query = fc.oneof(
    fc.constant(''),
    fc.string({ maxLength: 40 }).map((q) => `?q=${encodeURIComponent(q)}`),
  );
  const body =
    route.method === 'GET'
      ? fc.constant(undefined)
      : bodies(known?.body ?? fc.anything({ maxDepth: 3 }), bodyBytesMax).map(namedBackup(route));
  const auth = fc.oneof(
    { arbitrary: fc.constant(`Bearer ${token}`), weight: 18 },
    { arbitrary: fc.constantFrom('', 'Bearer wrong', `Bearer ${token} `, 'Basic x'), weight: 1 },
  );
  const eventId = fc.option(fc.oneof(fc.nat().map(String), fc.stringMatching(/^[\x20-\x7e]{0,20}$/)), {
    nil: undefined,
  });
  const sample = fc.record({ path, query, body, auth, eventId });
  return fc.sample(sample, { seed: seed + index, numRuns: countFor(route) }).map((s) => ({
    method: route.method,
    path: `${s.path}${s.query}`,
    headers: {
      ...(s.auth === '' ? {} : { authorization: s.auth }),
      ...(s.eventId === undefined ? {} : { 'last-event-id': s.eventId }),
    },
    ...(s.body === undefined ? {} : { body: s.body }),
  }));
}

/** The routes of the agent's local API, from fastify itself (an agent started in this process). */
async function listRoutes(dir: string): Promise<Route[]> {
  const home = join(dir, 'routes');
  mkdirSync(home);
  copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(home, 'program.json'));
  let app: FastifyInstance | undefined;
  const agent = await startAgent({
    configPath: writeConfig(home, { port: await freePort(), token, printerYaml: '' }),
    extend: (a) => {
      app = a;
    },
  });
  try {
    return routesFromTree(app?.printRoutes({ commonPrefix: false }) ?? '');
  } finally {
    await agent.stop();
  }
}

/**
 * Every route of the local API, listed from the running server so a new route is never
 * forgotten, gets `runs` requests (TILLPOINT_API_FUZZ_RUNS, default 10,000; see countFor): structured
 * mutations of valid bodies and path parameters, broken JSON, odd headers. The real agent
 * process answers every one, never 5xx, every refusal with a stable code, stays up, and its
 * resident memory stays bounded. TILLPOINT_FUZZ_SEED replays the inputs.
 */
describe('local API fuzz', () => {
  let dir: string;
  let agent: AgentProcess;
  let printer: { printer: VirtualPrinter; port: number } | undefined;
  let routes: Route[];
  let disposeBundle = () => {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-api-fuzz-'));
    routes = await listRoutes(dir);
    printer = await startVirtualPrinter();
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const port = await freePort();
    const config = writeConfig(dir, {
      port,
      token,
      printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${printer.port}\n  profile: TM-T20II\n  columns: 42`,
    });
    const bundle = await bundleForTest('api-fuzz');
    disposeBundle = bundle.dispose;
    agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token, bundle.file);
    await agent.start();
    for (const receiptId of receipts) {
      const sale = await fetch(`${agent.url}/v1/sales`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          idempotencyKey: `seed-${receiptId}`,
          receiptId,
          cardCode: cards[0],
          basket: {
            currency: 'RUB',
            lines: [{ id: '1', sku: 'a', quantity: 1, unitPriceMinor: 100_000, amountMinor: 100_000 }],
          },
        }),
      });
      expect(sale.status).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await printer?.printer.stop();
    disposeBundle();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`every route: ${runs} requests each (input-less GETs a tenth), never 5xx, the agent stays up in bounded memory`, async () => {
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(Object.keys(requestsByRoute)),
    );
    const run = await fuzzRoutes({
      port: Number(new URL(agent.url).port),
      pid: agent.child?.pid,
      routes,
      requestsFor,
      // An event stream stays open until its client leaves: a few at a time, under eventClientsMax.
      sendOptions: (route) =>
        route.url === '/v1/events' ? { concurrency: 4, stream: true } : { concurrency: 8 },
      alive: async () => {
        const health = await fetch(`${agent.url}/v1/health`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return agent.child?.exitCode === null && health.ok
          ? undefined
          : `the agent is down:\n${agent.output.slice(-2000)}`;
      },
    });
    console.info(
      `API fuzz (seed ${seed}): ${routes.length} routes, ${runs} requests each with a body or parameter; agent RSS ${mib(run.rssStart)} → max ${mib(run.rssMax)}, end ${mib(run.rssEnd)}\n${run.lines.join('\n')}`,
    );
    expect(run.failures).toEqual([]);
    expect(run.rssMax - run.rssStart, 'resident memory grew without bound').toBeLessThan(rssGrowthMax);
  }, 1_200_000);
});

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}
