import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxEntry } from '@tillpoint/ledger';
import { idempotencyKeyFor } from '@tillpoint/protocol';
import {
  asText,
  bodies,
  type FuzzRequest,
  fuzzRoutes,
  oddValue,
  type Route,
  routesFromTree,
} from '@tillpoint/test-kit/http-fuzz';
import { freePort, HubProcess } from '@tillpoint/test-kit/hub-process';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEnrolCode, newTillSecret, sha256Hex, tillAuthorization } from '../src/credentials';
import { buildHubServer } from '../src/hub-server';
import { generateHubKeys } from '../src/rule-signing';
import { SqliteHubStore } from '../src/sqlite-hub-store';

const runs = Number(process.env.TILLPOINT_API_FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.TILLPOINT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/**
 * Each till may send 20 requests a second (burst 40): the fuzz speaks for many tills in turn,
 * so its bodies reach the parser instead of the rate limiter.
 */
const tillsCount = 400;
const bodyBytesMax = 1024 * 1024;
const rssGrowthMax = 160 * 1024 * 1024;

interface Till {
  tillId: string;
  auth: string;
  /** Three chained entries: earn, earn, spend. */
  entries: OutboxEntry[];
}

/** A push body for entries `from..to` of a till's outbox, as the till sends it. */
function batchOf(till: Till, from: number, to: number) {
  const entries = till.entries.slice(from - 1, to);
  return { tillId: till.tillId, epoch: entries[0]?.epoch, fromSeq: from, toSeq: to, entries };
}

/** The key a till would send for a (maybe mutated) body: deeper checks run only if it matches. */
function keyFor(text: string): string {
  try {
    const b = JSON.parse(text) as { tillId?: unknown; epoch?: unknown; fromSeq?: unknown; toSeq?: unknown };
    const key = idempotencyKeyFor(String(b.tillId), String(b.epoch), Number(b.fromSeq), Number(b.toSeq));
    return /^[\x21-\x7e]{1,300}$/.test(key) ? key : 'not-a-header-value';
  } catch {
    return 'not-json';
  }
}

/**
 * The hub's sync routes, listed from fastify (`printRoutes`) so a new one is never forgotten,
 * each get `runs` requests (TILLPOINT_API_FUZZ_RUNS, default 10,000; input-less GETs a tenth)
 * against a real `tillpoint-hub serve` process: valid pushes of chained entries and structured
 * mutations of them (with the Idempotency-Key a till would compute for the mutated body, so the
 * chain and posting checks are reached too), odd cursors, card lists, enrolment codes, broken
 * JSON. Never a 5xx, every refusal with a code, the process up, its memory bounded.
 * TILLPOINT_FUZZ_SEED replays the inputs.
 */
describe('hub sync routes fuzz', () => {
  let dir: string;
  let hub: HubProcess;
  let routes: Route[];
  const tills: Till[] = [];

  beforeAll(async () => {
    console.info(`TILLPOINT_FUZZ_SEED=${seed} (set it to replay these inputs)`);
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-fuzz-'));
    const db = join(dir, 'hub.sqlite');
    const store = new SqliteHubStore(db);
    for (let i = 0; i < tillsCount; i++) {
      const tillId = `fuzz-t${i}`;
      const code = newEnrolCode();
      const secret = newTillSecret();
      await store.addTill({
        storeId: `s${i % 7}`,
        tillId,
        codeHash: sha256Hex(code),
        codeExpiresAt: Date.now() + 60_000,
      });
      await store.enrolTill({
        tillId,
        codeHash: sha256Hex(code),
        secretHash: sha256Hex(secret),
        now: Date.now(),
      });
      const synthetic = new SyntheticTill(tillId);
      synthetic.earn(`card-${i % 5}`, 50);
      synthetic.earn(`card-${(i + 1) % 5}`, 30);
      synthetic.spend(`card-${i % 5}`, 20);
      tills.push({ tillId, auth: tillAuthorization(tillId, secret), entries: synthetic.entries });
    }
    await store.close();
    const listing = buildHubServer({ store: new SqliteHubStore(':memory:'), keys: generateHubKeys() });
    await listing.ready();
    routes = routesFromTree(listing.printRoutes({ commonPrefix: false }));
    await listing.close();
    hub = new HubProcess(db, join(dir, 'hub-key.pem'), await freePort());
    await hub.start();
  }, 120_000);

  afterAll(async () => {
    await hub?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  // Unbiased: fast-check favours small numbers, which would send most requests as till 0.
  const till = fc.noBias(fc.nat({ max: tillsCount - 1 })).map((i) => tills[i] as Till);
  type Input = { till: Till; body?: unknown; query?: string; headers?: Record<string, string> };
  const valid: Record<string, fc.Arbitrary<Input>> = {
    'POST /v1/sync/push': fc
      .tuple(till, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }))
      .map(([t, from, extra]) => ({ till: t, body: batchOf(t, from, Math.min(3, from + extra)) })),
    // With the pull's version (3: targeted rule sets) and the rule set the till reports in force
    // (URI-encoded; any visible text, '%' sequences that do not decode, longer than a version).
    'GET /v1/sync/changes': fc
      .tuple(
        till,
        fc.oneof(fc.nat(), oddValue),
        fc.oneof(fc.integer({ min: 1, max: 5000 }), oddValue),
        fc.oneof(fc.integer({ min: 1, max: 3 }), oddValue),
        fc.option(
          fc.oneof(fc.constantFrom('none', '2026-12', '%E0%A4%A'), fc.stringMatching(/^[!-~]{0,90}$/)),
        ),
      )
      .map(([t, cursor, limit, version, rules]) => ({
        till: t,
        query: `?cursor=${encodeURIComponent(asText(cursor))}&limit=${encodeURIComponent(asText(limit))}&version=${encodeURIComponent(asText(version))}`,
        ...(rules === null ? {} : { headers: { 'tillpoint-rules-version': rules } }),
      })),
    'POST /v1/sync/cards-seen': fc
      .tuple(till, fc.array(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), { minLength: 1, maxLength: 20 }))
      .map(([t, cardIds]) => ({ till: t, body: { cardIds } })),
    'POST /v1/enrol': fc
      .tuple(till, fc.oneof(fc.constant(newEnrolCode()), fc.string({ maxLength: 30 })))
      .map(([t, code]) => ({ till: t, body: { code, tillId: t.tillId } })),
  };

  function requestsFor(route: Route, index: number): FuzzRequest[] {
    const name = `${route.method} ${route.url}`;
    const base: fc.Arbitrary<Input> = valid[name] ?? till.map((t) => ({ till: t, body: {} }));
    const takesInput = route.method !== 'GET' || name in valid;
    const count = takesInput ? runs : Math.max(100, Math.ceil(runs / 10));
    const withBody =
      route.method === 'GET'
        ? base.map((v) => ({ ...v, sent: undefined }))
        : base.chain((v) => bodies(fc.constant(v.body), bodyBytesMax).map((sent) => ({ ...v, sent })));
    const auth = fc.oneof(
      { arbitrary: fc.constant('till'), weight: 18 },
      { arbitrary: fc.constantFrom('', 'Bearer fuzz-t1:wrong', 'Bearer :', 'Bearer x'), weight: 1 },
    );
    return fc.sample(fc.tuple(withBody, auth), { seed: seed + index, numRuns: count }).map(([v, a]) => ({
      method: route.method,
      path: `${route.url}${v.query ?? ''}`,
      headers: {
        ...(a === '' ? {} : { authorization: a === 'till' ? v.till.auth : a }),
        ...(v.sent === undefined ? {} : { 'idempotency-key': keyFor(v.sent.text) }),
        ...(v.headers ?? {}),
      },
      ...(v.sent === undefined ? {} : { body: v.sent }),
    }));
  }

  it(`every sync route: ${runs} requests each, never 5xx, the hub stays up in bounded memory`, async () => {
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(Object.keys(valid)));
    // The rate limiter may refuse bad credentials (per address), not the tills': their
    // bodies must reach the parser.
    const tillAuths = new Set(tills.map((t) => t.auth));
    const run = await fuzzRoutes({
      port: hub.port,
      pid: hub.child?.pid,
      routes,
      requestsFor,
      alive: async () =>
        hub.child?.exitCode === null && (await fetch(`${hub.url}/v1/health`)).ok
          ? undefined
          : `the hub is down:\n${hub.output.slice(-2000)}`,
      check: (route, req, answer) =>
        answer?.status === 429 && tillAuths.has(req.headers.authorization ?? '') && route.url !== '/v1/enrol'
          ? 'an enrolled till refused by the rate limiter'
          : undefined,
    });
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    console.info(
      `hub sync fuzz (seed ${seed}): ${routes.length} routes; hub RSS ${mib(run.rssStart)} → max ${mib(run.rssMax)}, end ${mib(run.rssEnd)} MiB\n${run.lines.join('\n')}`,
    );
    expect(run.failures).toEqual([]);
    expect(run.rssMax - run.rssStart, 'resident memory grew without bound').toBeLessThan(rssGrowthMax);
  }, 1_200_000);
});
