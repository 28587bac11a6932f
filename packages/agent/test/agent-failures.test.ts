import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosClient } from '@tillpoint/pos-client';
import { freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config';
import { renderStarterConfig, writeStarterConfig } from '../src/config/starter-config';
import { startAgent } from '../src/run/agent';
import { runDoctor } from '../src/store-it/doctor';
import { renderServiceUnit } from '../src/store-it/service';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'fail-token-0123456789abcdefghijkl';
const basket = {
  currency: 'RUB',
  lines: [{ id: '1', sku: 'tea', quantity: 1, unitPriceMinor: 10_000, amountMinor: 10_000 }],
};
const silent = pino({ level: 'silent' });

describe('agent config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a starter config with mode 0600 that loads as it is, and never overwrites one', () => {
    const file = join(dir, 'tillpoint.yaml');
    writeStarterConfig(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { config, paths } = loadConfig(file);
    expect(config.api.token.length).toBeGreaterThanOrEqual(24);
    expect(config.cardRanges[0]).toMatchObject({ prefix: '2000', length: 13, check: 'ean13' });
    expect(paths.ledgerFile).toBe(join(dir, 'data', 'till.sqlite'));
    expect(() => writeStarterConfig(file)).toThrow(/already exists/);
  });

  it('names the file, the path inside it and the fix for every mistake', () => {
    const file = join(dir, 'bad.yaml');
    const good = renderStarterConfig({ token });
    writeFileSync(
      file,
      good
        .replace('port: 8787', 'port: "eighty"')
        .replace('storeName: My Shop', 'storeName: My Shop\nstoreNmae: typo')
        .replace('language: en', 'language: de'),
    );
    let message = '';
    try {
      loadConfig(file);
    } catch (error) {
      message = (error as Error).message;
      expect((error as { code: string }).code).toBe('config_invalid');
    }
    expect(message).toContain(`${file}: api.port:`);
    expect(message).toMatch(/storeNmae.*remove it or check the spelling/);
    expect(message).toContain(`${file}: language:`);
  });

  it('says how to create a missing file and where YAML is broken', () => {
    expect(() => loadConfig(join(dir, 'none.yaml'))).toThrow(
      /no such file\. Create one with: tillpoint init/,
    );
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'storeId: a\napi:\n  port: [1, 2\n');
    expect(() => loadConfig(broken)).toThrow(/not valid YAML\/JSON at line \d+/);
  });

  it('renders a systemd unit that restarts on failure and runs as its own user', () => {
    const unit = renderServiceUnit({
      nodePath: '/usr/bin/node',
      binPath: '/opt/tillpoint/packages/agent/bin/tillpoint.mjs',
      configPath: '/etc/tillpoint/tillpoint.yaml',
      user: 'tillpoint',
      groups: ['dialout', 'plugdev'],
    });
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /opt/tillpoint/packages/agent/bin/tillpoint.mjs start --config /etc/tillpoint/tillpoint.yaml',
    );
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toContain('User=tillpoint');
    expect(unit).toContain('StateDirectory=tillpoint');
    expect(unit).toContain('SupplementaryGroups=dialout plugdev');
  });
});

describe('never block a sale', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-fail-'));
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with loyalty off when the ledger file is damaged, answers loyalty_unavailable at once, and keeps the file', async () => {
    mkdirSync(join(dir, 'data'));
    const damaged = Buffer.from('this is not a SQLite database, it is a damaged file'.repeat(100));
    writeFileSync(join(dir, 'data', 'till.sqlite'), damaged);
    const port = await freePort();
    const agent = await startAgent({
      configPath: writeConfig(dir, { port, token, printerYaml: '' }),
      logger: silent,
    });
    try {
      const client = new PosClient({ baseUrl: agent.url, token });
      const health = await client.health();
      expect(health).toMatchObject({
        ok: true,
        value: { status: 'degraded', loyalty: { available: false } },
      });
      const started = performance.now();
      const quoted = await client.quote({ cardCode: '2000000000015', basket });
      expect(performance.now() - started).toBeLessThan(500);
      expect(quoted).toMatchObject({ ok: false, status: 503, error: { code: 'loyalty_unavailable' } });
      const sold = await client.commit({
        idempotencyKey: 'sale-x-0001',
        receiptId: 'X-1',
        cardCode: '2000000000015',
        basket,
      });
      expect(sold).toMatchObject({ ok: false, status: 503, error: { code: 'loyalty_unavailable' } });
      expect(agent.events.latest('loyalty')?.data).toMatchObject({ state: 'unavailable' });
    } finally {
      await agent.stop();
    }
    // The damaged file is left exactly as it was, for store IT to look at.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'data', 'till.sqlite')).equals(damaged)).toBe(true);
    const lines: string[] = [];
    expect(await runDoctor(join(dir, 'tillpoint.yaml'), (l) => lines.push(l))).toBe(false);
    expect(lines.find((l) => l.includes('ledger'))).toMatch(/^FAIL {2}ledger: database_corrupt/);
  });

  it('refuses a card code outside the card ranges, and a misread one, without touching the ledger', async () => {
    const port = await freePort();
    const agent = await startAgent({
      configPath: writeConfig(dir, { port, token, printerYaml: '' }),
      logger: silent,
    });
    try {
      const client = new PosClient({ baseUrl: agent.url, token });
      const product = await client.quote({ cardCode: '4600000000008', basket });
      expect(product).toMatchObject({
        ok: false,
        status: 404,
        error: { code: 'card_unknown', details: { reason: 'not_a_card' } },
      });
      const misread = await client.card('2000000000016');
      expect(misread).toMatchObject({
        ok: false,
        error: { code: 'card_unknown', details: { reason: 'invalid_check_digit' } },
      });
      expect(agent.ledger?.outboxHead().lastSeq).toBe(0);
    } finally {
      await agent.stop();
    }
  });
});

describe('ledger backup and restore from the CLI side', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-backup-'));
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up through the running agent, and restores with the damaged file moved aside', async () => {
    const { backupLedger, restoreLedger } = await import('../src/run/ledger-maintenance');
    const port = await freePort();
    const configPath = writeConfig(dir, { port, token, printerYaml: '' });
    const agent = await startAgent({ configPath, logger: silent });
    let backupPath: string;
    try {
      const client = new PosClient({ baseUrl: agent.url, token });
      const sold = await client.commit({
        idempotencyKey: 'sale-b-0001',
        receiptId: 'B-1',
        cardCode: '2000000000015',
        basket,
      });
      expect(sold.ok).toBe(true);
      // The agent holds the file exclusively; doctor says so rather than failing.
      const lines: string[] = [];
      await runDoctor(configPath, (l) => lines.push(l));
      expect(lines.find((l) => l.includes(' ledger: '))).toMatch(
        /^ok\s+ledger: .* open in the running agent/,
      );
      const done = await backupLedger(loadConfig(configPath), undefined);
      expect(done).toMatchObject({ via: 'agent', lastSeq: 1 });
      backupPath = done.path;
    } finally {
      await agent.stop();
    }
    const live = join(dir, 'data', 'till.sqlite');
    writeFileSync(live, 'damaged');
    const { movedAside } = restoreLedger(loadConfig(configPath), backupPath);
    expect(movedAside.some((f) => f.startsWith(`${live}.damaged-`))).toBe(true);
    const again = await startAgent({ configPath, logger: silent });
    try {
      const card = await new PosClient({ baseUrl: again.url, token }).card('2000000000015');
      expect(card).toMatchObject({ ok: true, value: { spendablePoints: 5 } });
    } finally {
      await again.stop();
    }
  });
});
