import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PosClient as Pos } from '@tillpoint/pos-client';
import { runHubCli } from '@tillpoint/test-kit/hub-cli';
import { describe, expect, it } from 'vitest';
import { type Chain, eventually, startChain } from './chain-kit';

const token = 'group-token-0123456789abcdefghijk';
/** 1 000 RUB of tea, no card: the quote shows what the rules in force earn. */
const basket = {
  currency: 'RUB',
  lines: [{ id: '1', sku: 'tea', quantity: 1, unitPriceMinor: 100_000, amountMinor: 100_000 }],
};
const programOf = (percent: number) => ({
  id: `club-${percent}`,
  name: `${percent} % back`,
  currency: 'RUB',
  pointValueMinor: 100,
  earn: [{ type: 'cashback', id: 'base', percent }],
});
// Points a 1 000 RUB basket earns at 1 point = 1 RUB: the file the tills start with (5 %), head
// office's program for every store (2 %) and the pilot's (10 %).
const earnOfFile = 50;
const earnOfBase = 20;
const earnOfPilot = 100;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Rules rolled out by store group (issue 16), with real processes: a hub (`tillpoint-hub serve`,
 * driven by its CLI as head office would) on a SQLite file and on a PostgreSQL schema (one
 * embedded server), one till in each of two stores. A pilot rule set for store A's group reaches
 * only A's till; the rollout reaches both; the rollback brings both back to the earlier rules.
 * The two hubs run side by side (most of the time is waiting for tills' pulls).
 */
describe.concurrent('rule sets rolled out by store group, two stores', () => {
  it.for(['SQLite', 'PostgreSQL'])(
    '%s head office: pilot at store A only, then the rollout to every store, then the rollback',
    { timeout: 240_000 },
    async (backend) => {
      const dir = mkdtempSync(join(tmpdir(), 'tillpoint-groups-'));
      const schema = `groups_${process.pid}_${Date.now()}`;
      let chain: Chain | undefined;
      try {
        chain = await startChain({ backend, dir, schema, token, program: programOf(5), tills });
        await rollOut(chain, dir, backend === 'PostgreSQL' ? ['--schema', schema] : []);
      } finally {
        await chain?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

const tills = [
  { storeId: 'store-a', tillId: 'till-a' },
  { storeId: 'store-b', tillId: 'till-b' },
] as const;

/** The pilot, the rollout and the rollback on a running chain; `where` names a PostgreSQL schema. */
async function rollOut(chain: Chain, dir: string, where: string[]): Promise<void> {
  const hub = chain.hub;
  const pos = (tillId: string) => chain.tills.get(tillId)?.pos as Pos;
  const earned = async (tillId: string) => {
    const q = await pos(tillId).quote({ basket });
    return q.ok ? q.value.earned.totalPoints : -1;
  };
  /** Waits until the till's quote earns `points`, and answers what it earned last. */
  const earnsAt = (tillId: string, points: number) =>
    eventually(
      () => earned(tillId),
      (p) => p === points,
    );
  const publish = (args: string[]) => sub(['publish-rules', '--key', hub.key, ...args]);
  const programFile = (percent: number) => {
    const file = join(dir, `program-${percent}.json`);
    writeFileSync(file, JSON.stringify(programOf(percent), null, 2));
    return file;
  };
  /** A command of head office's (`store-group set`), on its database. */
  const sub = async (args: string[]) => {
    const { code, out } = await runHubCli([...args, '--db', hub.db, ...where]);
    expect({ args, code }).toEqual({ args, code: 0 });
    return out;
  };
  /**
   * `rules versions --json` once the tills have reported `want` (polled on head office's store:
   * one CLI run, not one per poll).
   */
  const versions = async (want: Record<string, string>) => {
    const store = await chain.openHub();
    try {
      await eventually(
        () => store.tillRulesInForce(),
        (rows) => rows.every((r) => r.version === want[r.tillId]),
      );
    } finally {
      await store.close();
    }
    return JSON.parse(await sub(['rules', 'versions', '--json'])) as {
      tills: { tillId: string; version: string | null; due: string | null; upToDate: boolean }[];
      ruleSets: {
        version: string;
        target?: { groups: string[]; stores: string[] };
        rollsBack: string | null;
      }[];
    };
  };
  const start = Date.now();
  expect(await earned('till-a')).toBe(earnOfFile);
  // Head office's program for every store.
  await publish(['--version', 'base', '--effective-from', iso(start - 60_000), '--file', programFile(2)]);
  expect(await earnsAt('till-a', earnOfBase)).toBe(earnOfBase);
  expect(await earnsAt('till-b', earnOfBase)).toBe(earnOfBase);

  // The pilot: store A's group.
  expect(await sub(['store-group', 'set', '--group', 'pilot', '--stores', 'store-a'])).toMatch(
    /store group pilot: store-a/,
  );
  expect(await sub(['store-group', 'list'])).toBe('pilot: store-a\n');
  const pilotFile = programFile(10);
  const out = await publish([
    '--version',
    'pilot-10',
    '--effective-from',
    iso(start - 30_000),
    '--file',
    pilotFile,
    '--group',
    'pilot',
  ]);
  expect(out).toMatch(/published rule set pilot-10 for group pilot \(stores store-a\)/);
  expect(await earnsAt('till-a', earnOfPilot)).toBe(earnOfPilot);
  // Till B keeps pulling (every second) and keeps its version.
  await sleep(3_000);
  expect(await earned('till-b')).toBe(earnOfBase);
  const piloting = await versions({ 'till-a': 'pilot-10', 'till-b': 'base' });
  expect(piloting.tills.map((t) => [t.tillId, t.version, t.due, t.upToDate])).toEqual([
    ['till-a', 'pilot-10', 'pilot-10', true],
    ['till-b', 'base', 'base', true],
  ]);
  expect(piloting.ruleSets.map((s) => [s.version, s.target ?? 'every store'])).toEqual([
    ['pilot-10', { groups: ['pilot'], stores: ['store-a'] }],
    ['base', 'every store'],
  ]);

  // The rollout: the same program for every store.
  await publish([
    '--version',
    'rollout-10',
    '--effective-from',
    iso(Date.now() - 1_000),
    '--file',
    pilotFile,
  ]);
  expect(await earnsAt('till-b', earnOfPilot)).toBe(earnOfPilot);
  expect(await earned('till-a')).toBe(earnOfPilot);

  // The rollback: the rules before the rollout again, for every store, as a new version.
  expect(await publish(['--rollback'])).toMatch(
    /published rule set rollback-of-rollout-10 for every store, .*: the rules of base again, rolling back rollout-10/,
  );
  expect(await earnsAt('till-a', earnOfBase)).toBe(earnOfBase);
  expect(await earnsAt('till-b', earnOfBase)).toBe(earnOfBase);
  const after = await versions({ 'till-a': 'rollback-of-rollout-10', 'till-b': 'rollback-of-rollout-10' });
  expect(after.tills.map((t) => [t.tillId, t.version, t.upToDate])).toEqual([
    ['till-a', 'rollback-of-rollout-10', true],
    ['till-b', 'rollback-of-rollout-10', true],
  ]);
  expect(after.ruleSets[0]).toMatchObject({ version: 'rollback-of-rollout-10', rollsBack: 'rollout-10' });
}
