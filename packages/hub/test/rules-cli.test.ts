import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHubCli as run } from '@tillpoint/test-kit/hub-cli';
import { afterAll, describe, expect, it } from 'vitest';

const program = (percent: number) =>
  JSON.stringify({
    id: 'club',
    name: 'Club',
    currency: 'RUB',
    pointValueMinor: 100,
    earn: [{ type: 'cashback', id: 'base', percent }],
  });

/** The rule-set commands' refusals and listings, as head-office IT meets them (real processes, a SQLite hub). */
describe('tillpoint-hub store-group, publish-rules --group/--rollback, rules versions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-rules-cli-'));
  const db = join(dir, 'hub.sqlite');
  const key = join(dir, 'hub-signing.pem');
  const file = join(dir, 'program.json');
  writeFileSync(file, program(2));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses what it cannot do, in one line with a code, and lists what it holds', async () => {
    expect((await run(['init', '--db', db, '--key', key])).code).toBe(0);
    const publish = (args: string[]) => run(['publish-rules', '--db', db, '--key', key, ...args]);
    const pilotArgs = [
      '--version',
      'p1',
      '--effective-from',
      '2026-01-01T00:00:00Z',
      '--file',
      file,
      '--group',
      'pilot',
    ];

    expect(await publish(pilotArgs)).toEqual({
      code: 2,
      out: 'tillpoint-hub: group_unknown: store group pilot has no stores: set them first (tillpoint-hub store-group set --group pilot --stores s1,s2)\n',
    });
    expect(await publish(['--rollback'])).toEqual({
      code: 2,
      out: 'tillpoint-hub: nothing_to_roll_back: no earlier rule set to go back to for every store\n',
    });
    const set = (args: string[]) => run(['store-group', 'set', '--db', db, ...args]);
    expect(await set(['--group', 'pilot', '--stores', 'b-2,a-1,a-1'])).toEqual({
      code: 0,
      out: 'store group pilot: a-1, b-2\n',
    });
    expect((await set(['--group', 'bad group', '--stores', 'x'])).out).toMatch(
      /^tillpoint-hub: invalid_option: --group: "bad group" is not a group name/,
    );
    expect(await publish(pilotArgs)).toEqual({
      code: 0,
      out: 'published rule set p1 for group pilot (stores a-1, b-2), effective 2026-01-01T00:00:00.000Z\n',
    });
    // The group's stores change while a set targets it: the key is needed to sign it again.
    expect(await set(['--group', 'pilot', '--stores', 'a-1'])).toEqual({
      code: 2,
      out: "tillpoint-hub: signing_key_needed: rule sets p1 are published for group pilot: give --key <head office's signing key> to sign them again for its new stores\n",
    });
    expect(await set(['--group', 'pilot', '--stores', 'a-1', '--key', key])).toEqual({
      code: 0,
      out: 'store group pilot: a-1 (rule sets signed again: p1)\n',
    });
    expect(JSON.parse((await run(['store-group', 'list', '--db', db, '--json'])).out)).toEqual([
      { group: 'pilot', stores: ['a-1'] },
    ]);
    expect(JSON.parse((await run(['rules', 'versions', '--db', db, '--json'])).out)).toEqual({
      tills: [],
      ruleSets: [
        {
          version: 'p1',
          effectiveFrom: Date.parse('2026-01-01T00:00:00Z'),
          target: { groups: ['pilot'], stores: ['a-1'] },
          publishedAt: expect.any(Number),
          rollsBack: null,
        },
      ],
    });
    expect((await run(['rules', 'versions', '--help'])).out).toMatch(
      /the rule-set version each till reported/,
    );
  }, 240_000);
});
