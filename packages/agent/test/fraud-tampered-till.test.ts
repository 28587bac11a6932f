import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildHubServer, generateHubKeys, SqliteHubStore, signRuleSet } from '@tillpoint/hub';
import { canonicalBodyJson, chainHash, type OutboxBody } from '@tillpoint/ledger';
import { PosClient } from '@tillpoint/pos-client';
import { freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { hubCliArgs } from '@tillpoint/test-kit/hub-process';
import { issueEnrolCode } from '@tillpoint/test-kit/hub-till';
import { packageDir } from '@tillpoint/test-kit/package-dir';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from '../src/run/agent';
import { enrolWithHub } from '../src/sync/hub-credential';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const hubDir = packageDir('@tillpoint/hub');
const tillpointHub = (args: string[]) =>
  promisify(execFile)(process.execPath, [...hubCliArgs(), ...args], { cwd: hubDir }).then((r) => r.stdout);

const token = 'fraud-token-0123456789abcdefghijk';
const card = '2000000000015';
const extra = 5_000;
const basket = {
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'tea', quantity: 1, unitPriceMinor: 100_000, amountMinor: 100_000 },
    { id: '2', sku: 'cake', quantity: 2, unitPriceMinor: 25_000, amountMinor: 50_000 },
  ],
};

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/**
 * The issue's acceptance: a till whose ledger file was edited to credit extra points, with its
 * outbox re-hashed so the chain still verifies, pushes through the real sync route to a real
 * hub; head office's re-check (`tillpoint-hub fraud run`, a real process) finds the sale's line
 * credited beyond the rules, blocks the card, and the till learns of the block on its next pull.
 */
describe('a tampered till at head office', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-fraud-till-'));
  const hubFile = join(dir, 'hub.sqlite');
  const hub = new SqliteHubStore(hubFile);
  const keys = generateHubKeys();
  let app: FastifyInstance | undefined;
  afterAll(async () => {
    await app?.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const serveHub = async (port: number) => {
    app = buildHubServer({ store: hub, keys });
    await app.listen({ host: '127.0.0.1', port });
  };

  it('is caught by the re-check and its card blocked', async () => {
    const hubPort = await freePort();
    const url = `http://127.0.0.1:${hubPort}`;
    await serveHub(hubPort);
    copyFileSync(join(fixtures, 'programs/cashback-2-percent.json'), join(dir, 'program.json'));
    await hub.publishRuleSet(
      signRuleSet(keys, {
        version: '2026-12',
        effectiveFrom: Date.now() - 60_000,
        ruleSetJson: readFileSync(join(dir, 'program.json'), 'utf8'),
      }),
    );
    const config = writeConfig(dir, {
      port: await freePort(),
      token,
      storeId: 's1',
      tillId: 't1',
      printerYaml: '',
    });
    appendFileSync(config, `\nheadOffice:\n  url: ${url}\n  intervalSeconds: 1\n`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    const code = await issueEnrolCode(hub, { storeId: 's1', tillId: 't1' });
    await enrolWithHub({ url, code, tillId: 't1', credentialFile: join(dir, 'data', 'hub-credential.json') });
    const start = () =>
      startAgent({
        configPath: config,
        logger: pino({ level: process.env.FRAUD_DEBUG ? 'debug' : 'silent' }),
      });

    // An honest sale, at head office within a second.
    let agent = await start();
    let pos = new PosClient({ baseUrl: agent.url, token });
    const first = await pos.commit({
      idempotencyKey: 'fraud-sale-0001',
      receiptId: 'R-1',
      cardCode: card,
      basket,
    });
    if (!first.ok) throw new Error(JSON.stringify(first.error));
    expect(first.value.earnedPoints).toBe(30); // 2 % of 1500 RUB
    expect(
      (
        await eventually(
          () => hub.cardSales(card, 10),
          (s) => s.length === 1,
        )
      ).length,
    ).toBe(1);
    await agent.stop();

    // Head office out of reach: the second sale waits in the till's outbox.
    await app?.close();
    agent = await start();
    pos = new PosClient({ baseUrl: agent.url, token });
    const second = await pos.commit({
      idempotencyKey: 'fraud-sale-0002',
      receiptId: 'R-2',
      cardCode: card,
      basket,
    });
    expect(second.ok && second.value.earnedPoints).toBe(30);
    await agent.stop();

    // The till's ledger edited: 5,000 more points on the first line of the second sale, in the
    // outbox (the fact and its postings, every later entry re-hashed), the postings, the lot and
    // the card's balance and head-office snapshot delta, as someone with the file would (the
    // till's own invariant checks then pass).
    const db = new Database(join(dir, 'data', 'till.sqlite'));
    for (const t of ['outbox_no_update', 'posting_no_update']) db.exec(`DROP TRIGGER ${t}`);
    const rows = db.prepare('SELECT id, txn_id, body, prev_hash FROM outbox ORDER BY id').all() as {
      id: number;
      txn_id: string;
      body: string;
      prev_hash: string;
    }[];
    const at = rows.findIndex((r) => (JSON.parse(r.body) as OutboxBody).sale?.receiptId === 'R-2');
    expect(at).toBeGreaterThanOrEqual(0);
    let prev = (rows[at] as { prev_hash: string }).prev_hash;
    db.transaction(() => {
      for (const row of rows.slice(at)) {
        const body = JSON.parse(row.body) as OutboxBody;
        if (body.sale?.receiptId === 'R-2') {
          const lot = body.newLots[0] as OutboxBody['newLots'][number];
          (body.sale.lines[0] as { earnedPoints: number }).earnedPoints += extra;
          lot.initial += extra;
          for (const p of body.postings) {
            if (p.lotId === lot.lotId) p.amount += extra;
            if (p.account === 'issued_liability') p.amount -= extra;
          }
          db.prepare('UPDATE posting SET amount = amount + ? WHERE txn_id = ? AND lot_id = ?').run(
            extra,
            row.txn_id,
            lot.lotId,
          );
          db.prepare(
            "UPDATE posting SET amount = amount - ? WHERE txn_id = ? AND account = 'issued_liability'",
          ).run(extra, row.txn_id);
          db.prepare('UPDATE lot SET initial = initial + ?, remaining = remaining + ? WHERE lot_id = ?').run(
            extra,
            extra,
            lot.lotId,
          );
          const column = lot.account === 'member_available' ? 'available' : 'pending';
          db.prepare(`UPDATE card SET ${column} = ${column} + ? WHERE card_id = ?`).run(extra, card);
          db.prepare('UPDATE card_snapshot SET delta = delta + ? WHERE card_id = ?').run(extra, card);
        }
        const text = canonicalBodyJson(body);
        const hash = chainHash(prev, text);
        db.prepare('UPDATE outbox SET body = ?, prev_hash = ?, hash = ? WHERE id = ?').run(
          text,
          prev,
          hash,
          row.id,
        );
        prev = hash;
      }
    })();
    db.close();

    // Head office back: the till pushes the edited entries through the sync route; the chain verifies.
    await serveHub(hubPort);
    agent = await start();
    try {
      pos = new PosClient({ baseUrl: agent.url, token });
      expect(
        (
          await eventually(
            () => hub.cardSales(card, 10),
            (s) => s.length === 2,
          )
        ).length,
      ).toBe(2);
      expect((await hub.getCard(card, Date.now()))?.blocked).toBe(false);

      const run = JSON.parse(await tillpointHub(['fraud', 'run', '--db', hubFile, '--json'])) as {
        sales: number;
        matched: number;
        mismatched: number;
        actions: { blocked: number };
      };
      expect(run).toMatchObject({ sales: 2, matched: 1, mismatched: 1, actions: { blocked: 1 } });
      const alerts = JSON.parse(await tillpointHub(['fraud', 'alerts', '--db', hubFile, '--json'])) as {
        kind: string;
        cardId: string;
        actionTaken: string;
        evidence: {
          entries: { receiptId: string }[];
          recheck: { lines: { lineId: string; tillPoints: number; officePoints: number }[] };
        };
      }[];
      const caught = alerts.find((a) => a.kind === 'recheckMismatch');
      expect(caught).toMatchObject({ cardId: card, actionTaken: 'blocked' });
      expect(caught?.evidence.entries[0]?.receiptId).toBe('R-2');
      // Side by side: 2 % of 1000 RUB is 20 points; the till claimed 5,020.
      expect(caught?.evidence.recheck.lines[0]).toMatchObject({
        lineId: '1',
        tillPoints: 20 + extra,
        officePoints: 20,
      });
      expect((await hub.getCard(card, Date.now()))?.blocked).toBe(true);
      // The till learns of the block on its next pull and refuses the card.
      const atTill = await eventually(
        () => pos.card(card),
        (c) => c.ok && c.value.status === 'blocked',
      );
      expect(atTill.ok && atTill.value.status).toBe('blocked');
    } finally {
      await agent.stop();
    }
  }, 120_000);
});
