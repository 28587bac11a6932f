import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newEnrolCode, SqliteHubStore, sha256Hex } from '@tillpoint/hub';
import { AgentProcess, writeConfig } from '@tillpoint/test-kit/agent-process';
import { freePort, HubProcess } from '@tillpoint/test-kit/hub-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHubForTest } from './agent-bundle';
import { PowerCutDisk } from './power-cut-disk';

const fixtures = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));
const tillpoint = fileURLToPath(new URL('../../bin/tillpoint.mjs', import.meta.url));
const token = 'first-token-0123456789abcdefghijkl';

/** Registers a till at a hub file and returns its one-time code. */
async function registerTill(db: string, tillId: string): Promise<string> {
  const code = newEnrolCode();
  const store = new SqliteHubStore(db);
  await store.addTill({
    storeId: 's1',
    tillId,
    codeHash: sha256Hex(code),
    codeExpiresAt: Date.now() + 600_000,
  });
  await store.close();
  return code;
}

async function enrol(
  url: string,
  tillId: string,
  code: string,
): Promise<{ secret: string; hubPublicKeyPem: string }> {
  const answer = await fetch(`${url}/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, tillId }),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { secret: string; hubPublicKeyPem: string };
}

/**
 * The files written once, at installation, and needed for ever after: head office's signing
 * key (tills pin its public key at enrolment) and a till's head-office credential. A power
 * cut soon after they are written must not take them: the processes go on using them, so
 * the cut in these tests comes after they did (and after SQLite's own directory fsyncs).
 */
describe('power cuts just after installation', () => {
  const homes: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  // Head office runs bundled, as in the power-loss rig: tsx compiling sources under the
  // power-cut library would put its own cache files and helper process in the test.
  let hubBundle = '';
  beforeAll(async () => {
    const bundled = await bundleHubForTest('first-start');
    stops.push(async () => bundled.dispose());
    hubBundle = bundled.file;
  }, 60_000);
  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });
  const newHome = () => {
    const home = mkdtempSync(join(tmpdir(), 'tillpoint-first-'));
    homes.push(home);
    return home;
  };

  it('head office keeps the signing key it made at its first start', async () => {
    const disk = new PowerCutDisk(join(newHome(), 'hub'));
    stops.push(async () => disk.dispose());
    const db = join(disk.root, 'hub.sqlite');
    const codes = [await registerTill(db, 't1'), await registerTill(db, 't2')];
    disk.markDurable();
    const hub = new HubProcess(db, join(disk.root, 'hub-signing.pem'), await freePort(), {
      bundle: hubBundle,
      env: disk.env(),
    });
    stops.push(() => hub.kill('SIGTERM'));
    await hub.start();
    const first = await enrol(hub.url, 't1', codes[0] as string);
    await hub.kill('SIGKILL');
    const cut = disk.cut('none');
    const restarted = await hub.start().then(
      () => 'started',
      (error: Error) =>
        error.message
          .split('\n')
          .filter((l) => !l.startsWith('{'))
          .join(' ')
          .slice(0, 400),
    );
    expect({ restarted, cut }).toMatchObject({ restarted: 'started' });
    const second = await enrol(hub.url, 't2', codes[1] as string);
    expect(second.hubPublicKeyPem, 'the key t1 pinned at enrolment').toBe(first.hubPublicKeyPem);
  }, 60_000);

  it('a till keeps the head-office credential `tillpoint enrol-hub` wrote', async () => {
    const home = newHome();
    const hubDir = join(home, 'hub');
    const hubDb = join(hubDir, 'hub.sqlite');
    mkdirSync(hubDir);
    const code = await registerTill(hubDb, 't1');
    const hub = new HubProcess(hubDb, join(hubDir, 'hub-signing.pem'), await freePort());
    stops.push(() => hub.kill('SIGTERM'));
    await hub.start();

    const till = join(home, 'till');
    const disk = new PowerCutDisk(join(till, 'data'));
    stops.push(async () => disk.dispose());
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(till, 'program.json'));
    const port = await freePort();
    const config = writeConfig(till, { port, token, storeId: 's1', tillId: 't1', printerYaml: '' });
    appendFileSync(config, `\nheadOffice:\n  url: ${hub.url}\n  intervalSeconds: 1\n`);
    disk.markDurable();
    // Store IT enrols the till, then the agent starts and sells, all on the same power line.
    const enrolled = spawnSync(
      process.execPath,
      [tillpoint, 'enrol-hub', '--config', config, '--code', code],
      {
        env: { ...process.env, ...disk.env() },
        encoding: 'utf8',
      },
    );
    expect(enrolled.status, enrolled.stderr).toBe(0);
    const credentialFile = join(disk.root, 'hub-credential.json');
    const written = readFileSync(credentialFile, 'utf8');
    const agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token, undefined, { env: disk.env() });
    stops.push(() => agent.stop());
    await agent.start();
    const sale = await fetch(`${agent.url}/v1/sales`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: 'first-sale-1',
        receiptId: 'FIRST-1',
        cardCode: '2000000000015',
        basket: {
          currency: 'RUB',
          lines: [{ id: '1', sku: 'a', quantity: 1, unitPriceMinor: 1000, amountMinor: 1000 }],
        },
      }),
    });
    expect(sale.status).toBe(200);
    await agent.stop('SIGKILL');
    disk.cut('none');
    const kept = existsSync(credentialFile) ? readFileSync(credentialFile, 'utf8') : '(no file)';
    expect(kept, 'the credential after the cut').toBe(written);
  }, 60_000);
});
