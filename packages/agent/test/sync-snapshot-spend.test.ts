import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@tillpoint/core';
import { buildHubServer, generateHubKeys, SqliteHubStore } from '@tillpoint/hub';
import type { SqliteLedgerStore } from '@tillpoint/ledger/store';
import type { QuoteRequest } from '@tillpoint/protocol';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { enrolledTill, issueEnrolCode, tillSale } from '@tillpoint/test-kit/hub-till';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent } from '../src/run/agent';
import { enrolWithHub } from '../src/sync/hub-credential';
import type { SyncClient } from '../src/sync/sync-client';

/**
 * Issue #7's missing piece: tills spend points they know only from head office. A card earns at
 * store A; two tills of store B spend its points offline (the hub is down). The offline gate
 * (the sync client) stands in front of every spend, as in the till session; the spend itself
 * draws on the head-office snapshot kept in each till's ledger.
 */
const clock = new ManualClock('2026-06-01T10:00:00Z');
const keys = generateHubKeys();
let hub: SqliteHubStore;
let app: FastifyInstance;
let port: number;
let dir: string;
const open: { close(): unknown }[] = [];

interface Till {
  tillId: string;
  ledger: SqliteLedgerStore;
  client: SyncClient;
  /** The session's order: the offline gate with the ledger's figure, then the ledger. */
  sale(cardId: string, earn: number, spend: number): { ok: boolean; code?: string; lots?: string[] };
}

async function till(tillId: string, storeId: string): Promise<Till> {
  const { ledger, client, close } = await enrolledTill({
    hub,
    url: `http://127.0.0.1:${port}`,
    tillId,
    storeId,
    clock,
    dir,
  });
  open.push({ close });
  let n = 0;
  return {
    tillId,
    ledger,
    client,
    sale(cardId, earn, spend) {
      if (spend > 0) {
        const spendable = ledger.getCard(cardId, clock.nowMs())?.spendable ?? 0;
        const gate = client.checkSpend(cardId, spend, spendable);
        if (!gate.ok) return { ok: false, code: gate.code };
      }
      n += 1;
      const result = ledger.commitSale(
        tillSale({ key: `${tillId}-sale-${n}`, cardId, at: clock.nowMs(), earn, spend }),
      );
      return result.ok
        ? {
            ok: true,
            lots: result.value.lotsSpent.map(
              (t) => `${t.lotId.startsWith('snapshot:') ? 'snapshot' : 'local'}:${t.points}`,
            ),
          }
        : { ok: false, code: result.code };
    },
  };
}

async function hubUp(): Promise<void> {
  app = buildHubServer({ store: hub, keys, clock, ratePerSecond: 1_000, rateBurst: 1_000 });
  await app.listen({ host: '127.0.0.1', port });
  port = Number((app.server.address() as { port: number }).port);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-snapshot-'));
  hub = new SqliteHubStore(':memory:');
  port = 0;
  await hubUp();
});
afterEach(async () => {
  for (const o of open.splice(0)) o.close();
  await app.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A till's sync loop retries: a connection kept from before the hub restarted may fail once. */
async function syncSoon(t: { client: Pick<SyncClient, 'syncOnce'> }): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) if (await t.client.syncOnce()) return true;
  return false;
}

/** Points each till spent in entries of its own outbox. */
function spentBy(t: Till, cardId: string): number {
  let spent = 0;
  for (const e of t.ledger.outboxAfter(0, 1_000)) {
    if (e.cardId !== cardId) continue;
    for (const p of e.postings) if (p.account === 'redeemed') spent += p.amount;
  }
  return spent;
}

describe('tills spend head-office points offline', () => {
  it('two tills of store B spend points earned at store A: caps hold, the hub books the overspend as overdraft, figures agree after', async () => {
    const a = await till('a1', 'store-a');
    const b1 = await till('b1', 'store-b');
    const b2 = await till('b2', 'store-b');
    await hub.setStoreLimits('store-b', { maxSyncAgeMs: 3_600_000, perCardCap: 60, storeTotalCap: 200 });
    expect(a.sale('card-x', 100, 0).ok).toBe(true);
    expect(await a.client.syncOnce()).toBe(true);
    // First visit at store B (the card becomes known there), then a pull: 101 / 102.
    expect(b1.sale('card-x', 1, 0).ok).toBe(true);
    expect(await b1.client.syncOnce()).toBe(true);
    expect(b2.sale('card-x', 1, 0).ok).toBe(true);
    expect(await b2.client.syncOnce()).toBe(true);
    expect(await b1.client.syncOnce()).toBe(true);
    for (const t of [b1, b2]) {
      expect(t.ledger.getCard('card-x', clock.nowMs())).toMatchObject({ spendable: 102, localSpendable: 1 });
      expect(t.client.knownBalance('card-x')).toBe(102);
    }

    // Head office goes away; both tills spend what they saw.
    await app.close();
    clock.advance(60_000);
    // The till's own lot first, then head office's points.
    expect(b1.sale('card-x', 0, 60)).toEqual({ ok: true, lots: ['local:1', 'snapshot:59'] });
    expect(b2.sale('card-x', 0, 60).ok).toBe(true);
    // The per-card cap (60 a till while offline) holds, though the figure says 42 more.
    expect(b1.ledger.getCard('card-x', clock.nowMs())?.spendable).toBe(42);
    expect(b1.sale('card-x', 0, 10)).toMatchObject({ ok: false, code: 'offline_card_cap' });
    expect(b2.sale('card-x', 0, 1)).toMatchObject({ ok: false, code: 'offline_card_cap' });
    // Earning never asks.
    expect(b2.sale('card-x', 3, 0).ok).toBe(true);
    expect(await b1.client.syncOnce()).toBe(false);

    await hubUp();
    for (const t of [b1, b2, a, b1, b2, a]) expect(await syncSoon(t)).toBe(true);
    const atHub = await hub.getCard('card-x', clock.nowMs());
    const earned = 100 + 1 + 1 + 3;
    const spent = spentBy(b1, 'card-x') + spentBy(b2, 'card-x');
    expect(spent).toBe(120);
    expect(atHub).toMatchObject({ available: 0, overdraft: spent - earned, flagged: true });
    expect(await hub.unbalancedCards(10)).toEqual([]);
    for (const t of [a, b1, b2]) {
      expect(t.ledger.getCard('card-x', clock.nowMs())?.spendable, t.tillId).toBe(atHub?.available);
      expect(t.client.knownBalance('card-x'), t.tillId).toBe(atHub?.available);
      expect(t.ledger.findInvariantViolations()).toEqual([]);
    }
  });

  it('random offline spending at two tills: each till within its caps, overdraft = overspend, figures agree', async () => {
    const a = await till('a1', 'store-a');
    const b1 = await till('b1', 'store-b');
    const b2 = await till('b2', 'store-b');
    await hub.setStoreLimits('store-b', { maxSyncAgeMs: 3_600_000, perCardCap: 80, storeTotalCap: 150 });
    const tillCap = Math.floor(150 / 2);
    let round = 0;
    const seen = { overspent: 0, fromSnapshot: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 70 }), fc.integer({ min: 71, max: 150 })),
        fc.array(fc.record({ at: fc.boolean(), card: fc.nat(1), points: fc.integer({ min: 1, max: 60 }) }), {
          minLength: 4,
          maxLength: 14,
        }),
        async (earn, spends) => {
          round += 1;
          const cards = [`card-${round}-0`, `card-${round}-1`];
          for (const card of cards) {
            if (earn > 0) expect(a.sale(card, earn, 0).ok).toBe(true);
            expect(b1.sale(card, 0, 0).ok).toBe(true);
            expect(b2.sale(card, 0, 0).ok).toBe(true);
          }
          for (const t of [a, b1, b2, b1, b2]) expect(await t.client.syncOnce()).toBe(true);
          const before = { b1: b1.ledger.outboxHead().lastSeq, b2: b2.ledger.outboxHead().lastSeq };
          await app.close();
          for (const s of spends) {
            const t = s.at ? b1 : b2;
            const card = cards[s.card] as string;
            const figure = t.ledger.getCard(card, clock.nowMs())?.spendable ?? 0;
            const done = t.sale(card, 0, s.points);
            if (done.lots?.some((l) => l.startsWith('snapshot:'))) seen.fromSnapshot += 1;
            // Never more than the till's figure for the card.
            if (done.ok) expect(s.points).toBeLessThanOrEqual(figure);
          }
          // Caps: per card and per till, counted from what each till actually wrote.
          for (const t of [b1, b2]) {
            const mine = t.ledger.outboxAfter(t === b1 ? before.b1 : before.b2, 1_000);
            let total = 0;
            for (const card of cards) {
              let perCard = 0;
              for (const e of mine)
                if (e.cardId === card)
                  for (const p of e.postings) if (p.account === 'redeemed') perCard += p.amount;
              expect(perCard).toBeLessThanOrEqual(Math.min(80, earn));
              total += perCard;
            }
            expect(total).toBeLessThanOrEqual(tillCap);
          }
          await hubUp();
          for (const t of [b1, b2, a, b1, b2, a]) expect(await syncSoon(t)).toBe(true);
          for (const card of cards) {
            const atHub = await hub.getCard(card, clock.nowMs());
            const spent = spentBy(b1, card) + spentBy(b2, card);
            expect(atHub?.overdraft ?? 0).toBe(Math.max(0, spent - earn));
            if (spent > earn) seen.overspent += 1;
            expect(atHub?.available).toBe(Math.max(0, earn - spent));
            // Till a sees the card only when it earned there.
            for (const t of earn > 0 ? [a, b1, b2] : [b1, b2]) {
              expect(t.ledger.getCard(card, clock.nowMs())?.spendable).toBe(atHub?.available);
            }
          }
          clock.advance(1_000);
        },
      ),
      { numRuns: 25 },
    );
    // The histories must reach the interesting paths, or the property proves little.
    expect(seen.fromSnapshot).toBeGreaterThan(0);
    expect(seen.overspent).toBeGreaterThan(0);
    expect(await hub.unbalancedCards(10)).toEqual([]);
    for (const t of [a, b1, b2]) expect(t.ledger.findInvariantViolations()).toEqual([]);
  }, 60_000);
});

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** A 12-digit body plus its EAN-13 check digit, so the card ranges accept it. */
const ean13 = (body: string): string => `${body}${gs1CheckDigit(body)}`;

describe('the till session shows and spends head office points', () => {
  it('card lookup, quote and a sale at an agent of store B use the combined figure, behind the offline gate', async () => {
    const card = ean13('200000000009');
    const a = await till('a1', 'store-a');
    expect(a.sale(card, 150, 0).ok).toBe(true);
    expect(await a.client.syncOnce()).toBe(true);
    await hub.setStoreLimits('store-b', { maxSyncAgeMs: 3_600_000, perCardCap: 40, storeTotalCap: 1_000 });

    const home = join(dir, 'agent-b');
    mkdirSync(home);
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(home, 'program.json'));
    const token = 'snapshot-token-0123456789abcdefghij';
    const config = writeConfig(home, { port: await freePort(), token, tillId: 'b9', storeId: 'store-b' });
    appendFileSync(config, `\nheadOffice:\n  url: http://127.0.0.1:${port}\n  intervalSeconds: 3600\n`);
    const code = await issueEnrolCode(hub, { storeId: 'store-b', tillId: 'b9' }, clock.nowMs());
    await enrolWithHub({
      url: `http://127.0.0.1:${port}`,
      code,
      tillId: 'b9',
      credentialFile: join(home, 'data', 'hub-credential.json'),
    });
    const agent = await startAgent({ configPath: config, clock, logger: pino({ level: 'silent' }) });
    try {
      const sync = agent.sync;
      expect(sync).toBeDefined();
      const basket = {
        currency: 'RUB',
        lines: [
          {
            id: '1',
            sku: 'shirt',
            category: 'clothes',
            tags: [],
            quantity: 1,
            unitPriceMinor: 100_000,
            amountMinor: 100_000,
            discountMinor: 0,
            promotions: [],
          },
        ],
      };
      // First visit at store B: the till has no figure for the card; the quote names it to head
      // office in the background, and the pull that follows brings head office's 150.
      const cardEvents: Record<string, unknown>[] = [];
      const unsubscribe = agent.events.subscribe((e) => {
        if (e.type === 'card') cardEvents.push(e.data);
      });
      const first = agent.session.quote({ cardCode: card, basket });
      expect(first.ok && first.value.redemption.maxPoints).toBe(0);
      const until = Date.now() + 10_000;
      while (Date.now() < until && (agent.session.cardInfo(card) as { ok: boolean }).ok === false)
        await new Promise((r) => setTimeout(r, 20));
      expect(agent.session.cardInfo(card)).toMatchObject({ ok: true, value: { spendablePoints: 150 } });
      // The POS and the page hear of it at once (a card event from head office, not a scan).
      await new Promise((r) => setTimeout(r, 50));
      expect(cardEvents).toEqual([
        expect.objectContaining({ cardCode: card, known: true, spendablePoints: 150, source: 'head_office' }),
      ]);
      unsubscribe();
      // Every spend head office has not acknowledged counts against store B's cap of 40 a card,
      // so the quote offers 40, not the 150 the card holds, and says why.
      const online = agent.session.quote({ cardCode: card, basket });
      expect(online.ok && online.value.redemption.maxPoints).toBe(40);
      expect(online.ok && online.value.redemption.limitedBy.map((l) => l.code)).toEqual(['offline_limit']);
      // A sale without spending: the till's own entry on top of head office's figure.
      const small = {
        ...basket,
        lines: basket.lines.map((l) => ({ ...l, unitPriceMinor: 10_000, amountMinor: 10_000 })),
      };
      const visit = commit(agent, card, small, 'B-1', 0);
      expect(visit.ok).toBe(true);
      expect(agent.session.cardInfo(card)).toMatchObject({
        ok: true,
        value: { spendablePoints: 150 + visit.earned },
      });
      expect(await sync?.syncOnce()).toBe(true);
      const known = 150 + visit.earned;
      expect(agent.session.cardInfo(card)).toMatchObject({ ok: true, value: { spendablePoints: known } });
      const q = agent.session.quote({ cardCode: card, basket });
      // 20 % of 1 000.00 = 200 points, the card's figure, and the offline cap of 40: the least wins.
      expect(q.ok && q.value.redemption.maxPoints).toBe(Math.min(known, 200, 40));
      // Head office is unreachable now; the offline gate caps the spend at 40 a card.
      await app.close();
      clock.advance(60_000);
      expect(commit(agent, card, basket, 'B-2', 41)).toMatchObject({ ok: false, code: 'offline_limit' });
      const spend = commit(agent, card, basket, 'B-3', 40);
      expect(spend).toMatchObject({ ok: true, spent: 40 });
      const after = known - 40 + spend.earned;
      expect(agent.session.cardInfo(card)).toMatchObject({ ok: true, value: { spendablePoints: after } });
      // The till's own lot paid what it could, head office's points the rest.
      const last = agent.ledger?.outboxAfter(0, 100).at(-1);
      expect(last?.postings).toContainEqual(
        expect.objectContaining({ lotId: `snapshot:${card}`, amount: -(40 - visit.earned) }),
      );
      await hubUp();
      expect(await syncSoon({ client: sync as SyncClient })).toBe(true);
      const atHub = await hub.getCard(card, clock.nowMs());
      expect(atHub?.available).toBe(after);
      expect(agent.session.cardInfo(card)).toMatchObject({ ok: true, value: { spendablePoints: after } });
    } finally {
      await agent.stop();
    }
  }, 30_000);
});

function commit(
  agent: Awaited<ReturnType<typeof startAgent>>,
  cardCode: string,
  basket: QuoteRequest['basket'],
  receiptId: string,
  spendPoints: number,
): { ok: boolean; code?: string; earned: number; spent: number } {
  const answer = agent.session.commit({
    idempotencyKey: receiptId,
    receiptId,
    cardCode,
    basket,
    ...(spendPoints > 0 ? { spendPoints } : {}),
  } as never);
  return answer.ok
    ? { ok: true, earned: answer.value.earnedPoints, spent: answer.value.spentPoints }
    : { ok: false, code: answer.code, earned: 0, spent: 0 };
}
