import { ManualClock } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import { idempotencyKeyFor } from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEnrolCode, sha256Hex, tillAuthorization } from '../src/credentials';
import { buildHubServer } from '../src/hub-server';
import { HubMetrics } from '../src/metrics/hub-metrics';
import { instrumentHubStore } from '../src/metrics/instrument-hub-store';
import { metricsRefusal } from '../src/metrics/metrics-route';
import { generateHubKeys } from '../src/rule-signing';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { AdminClient, openAdminHub } from './admin-test-kit';

/** The value of one sample in Prometheus text, e.g. `name{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('hub metrics', () => {
  const clock = new ManualClock(1_700_000_000_000);
  let store: SqliteHubStore;
  let metrics: HubMetrics;
  let app: FastifyInstance;
  let scrapedAt = clock.nowMs();
  beforeEach(async () => {
    store = new SqliteHubStore(':memory:');
    metrics = new HubMetrics({ now: () => scrapedAt });
    app = buildHubServer({
      store: instrumentHubStore(store, metrics),
      metrics,
      keys: generateHubKeys(),
      clock,
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  async function enrol(tillId: string, storeId: string): Promise<string> {
    const code = newEnrolCode();
    await store.addTill({
      storeId,
      tillId,
      codeHash: sha256Hex(code),
      codeExpiresAt: clock.nowMs() + 60_000,
    });
    const res = await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, tillId } });
    return tillAuthorization(tillId, res.json().secret as string);
  }

  function push(auth: string, entries: OutboxEntry[]) {
    const first = entries[0] as OutboxEntry;
    const last = entries.at(-1) as OutboxEntry;
    return app.inject({
      method: 'POST',
      url: '/v1/sync/push',
      headers: {
        authorization: auth,
        'idempotency-key': idempotencyKeyFor(first.tillId, first.epoch, first.seq, last.seq),
      },
      payload: { tillId: first.tillId, epoch: first.epoch, fromSeq: first.seq, toSeq: last.seq, entries },
    });
  }

  const scrape = async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.body;
  };

  it('counts ingest, lag per till, refusals by code and job runs', async () => {
    const auth = await enrol('t1', 'msk-014');
    const till = new SyntheticTill('t1');
    till.earn('card-a', 120);
    till.earn('card-a', 30);
    till.spend('card-a', 20);
    expect((await push(auth, till.entries.slice(0, 2))).statusCode).toBe(200);
    scrapedAt = clock.nowMs();
    expect((await push(auth, till.entries.slice(0, 2))).json().code).toBe('batch_replayed');
    expect(
      (
        await push(
          auth,
          till.entries.slice(2, 3).map((e) => ({ ...e, seq: 5 })),
        )
      ).json().code,
    ).toBe('sequence_gap');
    await app.inject({
      method: 'GET',
      url: '/v1/sync/changes',
      headers: { authorization: 'Bearer t1:wrong' },
    });
    scrapedAt += 42_000;
    const text = await scrape();
    expect(sample(text, 'tillpoint_hub_ingest_entries_total{outcome="applied"}')).toBe(2);
    expect(sample(text, 'tillpoint_hub_ingest_entries_total{outcome="duplicate"}')).toBe(2);
    expect(sample(text, 'tillpoint_hub_ingest_batches_total{outcome="applied"}')).toBe(1);
    expect(sample(text, 'tillpoint_hub_ingest_batches_total{outcome="replayed"}')).toBe(1);
    expect(sample(text, 'tillpoint_hub_ingest_batch_seconds_count')).toBe(3);
    expect(sample(text, 'tillpoint_hub_till_acked_seq{till="t1",store="msk-014"}')).toBe(2);
    expect(sample(text, 'tillpoint_hub_till_push_age_seconds{till="t1",store="msk-014"}')).toBe(42);
    expect(sample(text, 'tillpoint_hub_http_errors_total{code="batch_replayed",status="409"}')).toBe(1);
    expect(sample(text, 'tillpoint_hub_ingest_batches_total{outcome="gap"}')).toBe(1);
    expect(sample(text, 'tillpoint_hub_http_errors_total{code="sequence_gap",status="409"}')).toBe(1);
    expect(sample(text, 'tillpoint_hub_http_errors_total{code="unauthorized",status="401"}')).toBe(1);

    const jobs = instrumentHubStore(store, metrics); // the same store as the server's: counted once
    await jobs.runExpiry(clock.nowMs(), 100);
    await jobs.announceVesting(clock.nowMs(), 100);
    const broken = instrumentHubStore(new SqliteHubStore(':memory:'), metrics);
    await broken.close();
    await expect(broken.runExpiry(clock.nowMs(), 100)).rejects.toThrow();
    const after = await scrape();
    expect(sample(after, 'tillpoint_hub_job_runs_total{job="expiry",outcome="ok"}')).toBe(1);
    expect(sample(after, 'tillpoint_hub_job_runs_total{job="vesting",outcome="ok"}')).toBe(1);
    expect(sample(after, 'tillpoint_hub_job_runs_total{job="expiry",outcome="failed"}')).toBe(1);
    expect(sample(after, 'tillpoint_hub_expired_points_total')).toBe(0);
    expect(after).toContain('# TYPE tillpoint_hub_job_seconds histogram');
  });

  it('serves /metrics to this machine only, or to whoever has the token', async () => {
    const from = (remoteAddress: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
    expect((await from('10.0.0.5')).json()).toMatchObject({ code: 'forbidden' });
    expect((await from('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(403);
    expect((await from('::1')).statusCode).toBe(200);
    const guarded = buildHubServer({ store, keys: generateHubKeys(), metricsToken: 'scrape-me-0123456789' });
    const anyone = (headers: Record<string, string>) =>
      guarded.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.5', headers });
    expect((await anyone({})).statusCode).toBe(401);
    expect((await anyone({ authorization: 'Bearer scrape-me-012345678' })).statusCode).toBe(401);
    expect((await anyone({ authorization: 'Bearer scrape-me-0123456789' })).statusCode).toBe(200);
    await guarded.close();
  });

  it('metricsRefusal: the rule on its own', () => {
    const base = { authorization: undefined, forwarded: false, token: undefined };
    expect(metricsRefusal({ ...base, ip: '127.0.0.1' })).toBeNull();
    expect(metricsRefusal({ ...base, ip: '::ffff:127.0.0.1' })).toBeNull();
    expect(metricsRefusal({ ...base, ip: '192.168.1.2' })?.status).toBe(403);
    expect(metricsRefusal({ ...base, ip: '127.0.0.1', token: 't' })?.status).toBe(401);
  });
});

describe('admin actions in the metrics', () => {
  it('counts sign-ins and refusals by action and outcome', async () => {
    const hub = await openAdminHub();
    try {
      await hub.addUser('root', 'administrator');
      const client = new AdminClient(hub.app);
      await client.signIn('root', 'wrong-password-entirely');
      await client.signIn('root');
      const text = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(sample(text, 'tillpoint_hub_admin_actions_total{action="session.sign_in",outcome="done"}')).toBe(
        1,
      );
      expect(
        sample(text, 'tillpoint_hub_admin_actions_total{action="session.sign_in",outcome="refused"}'),
      ).toBe(1);
      expect(sample(text, 'tillpoint_hub_http_errors_total{code="sign_in_failed",status="401"}')).toBe(1);
    } finally {
      await hub.close();
    }
  });
});
