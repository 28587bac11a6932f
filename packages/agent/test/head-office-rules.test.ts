import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHubServer, generateHubKeys, SqliteHubStore, signRuleSet } from '@tillpoint/hub';
import { PosClient } from '@tillpoint/pos-client';
import { loadProgramFile } from '@tillpoint/rules';
import { freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { issueEnrolCode } from '@tillpoint/test-kit/hub-till';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../src/run/agent';
import { enrolWithHub } from '../src/sync/hub-credential';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'rules-token-0123456789abcdefghijk';
const basket = {
  currency: 'RUB',
  lines: [{ id: '1', sku: 'tea', quantity: 1, unitPriceMinor: 100_000, amountMinor: 100_000 }],
};

/**
 * Head office publishes a signed rule set; the till pulls it, checks the signature, and once
 * it is effective quotes and sales use it instead of the program file. A rule set signed by
 * another key never reaches the engine.
 */
describe('signed rule sets from head office', () => {
  const keys = generateHubKeys();
  let dir: string;
  let hub: SqliteHubStore;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-rules-'));
    hub = new SqliteHubStore(':memory:');
    app = buildHubServer({ store: hub, keys });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('switches the till to an effective rule set, and ignores one with a bad signature', async () => {
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    const config = writeConfig(dir, {
      port: await freePort(),
      token,
      storeId: 's1',
      tillId: 't1',
      printerYaml: '',
    });
    appendFileSync(config, `\nheadOffice:\n  url: ${url}\n  intervalSeconds: 1\n`);
    const code = await issueEnrolCode(hub, { storeId: 's1', tillId: 't1' });
    mkdirSync(join(dir, 'data'), { recursive: true });
    await enrolWithHub({ url, code, tillId: 't1', credentialFile: join(dir, 'data', 'hub-credential.json') });

    const program = JSON.parse(readFileSync(join(dir, 'program.json'), 'utf8')) as {
      earn: { percent: number }[];
    };
    const forged = { ...program, earn: [{ ...program.earn[0], percent: 50 }] };
    const tenPercent = { ...program, earn: [{ ...program.earn[0], percent: 10 }] };
    const effective = Date.now() - 1000;
    const bad = signRuleSet(generateHubKeys(), {
      version: 'forged',
      effectiveFrom: effective + 1,
      ruleSetJson: JSON.stringify(forged),
    });
    await hub.publishRuleSet(bad);
    await hub.publishRuleSet(
      signRuleSet(keys, {
        version: '2026-12',
        effectiveFrom: effective,
        ruleSetJson: JSON.stringify(tenPercent),
      }),
    );

    const agent = await startAgent({ configPath: config, logger: pino({ level: 'silent' }) });
    try {
      const client = new PosClient({ baseUrl: agent.url, token });
      const fromFile = await loadProgramFile(join(dir, 'program.json'));
      const fileVersion = fromFile.ok ? fromFile.value.versionId : '';
      const deadline = Date.now() + 15_000;
      let earned = -1;
      while (Date.now() < deadline && earned !== 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const q = await client.quote({ basket });
        earned = q.ok ? q.value.earned.totalPoints : -1;
      }
      // 10 % of 1000 RUB at 1 point = 1 RUB; the forged 50 % never applies.
      expect(earned).toBe(100);
      expect(fileVersion).toMatch(/^[0-9a-f]{16}$/);
      expect(agent.session.program.versionId).not.toBe(fileVersion);
      expect(agent.events.latest('loyalty')?.data).toMatchObject({
        programVersion: agent.session.program.versionId,
      });
      // Health names the version in force, not the program file's.
      const health = await client.health();
      expect(health.ok && health.value.programVersion).toBe(agent.session.program.versionId);
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
