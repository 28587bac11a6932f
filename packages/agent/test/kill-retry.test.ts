import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForTest } from './power-loss/agent-bundle';
import { between, faultSeed, seededRandom } from './power-loss/fault-seed';
import { type CutAt, callAgent, PosWorkload } from './power-loss/pos-workload';
import { readLedger } from './power-loss/till-files';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'kill-token-0123456789abcdefghijkl';
const cards = ['200000000001', '200000000002', '200000000003'].map((body) => `${body}${gs1CheckDigit(body)}`);
const kills = Number(process.env.TILLPOINT_AGENT_KILL_ROUNDS ?? 200);
/** Two tills side by side: one restarts (single-threaded, CPU-bound) while the other sells. */
const lanes = 2;
const seed = faultSeed('TILLPOINT_KILL_SEED');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Lane {
  tillId: string;
  dataDir: string;
  agent: AgentProcess;
  pos: PosWorkload;
  random: () => number;
}

/**
 * A POS sells, spends, reserves, commits, cancels and returns at a real agent process (the
 * bundle a register runs); the agent is killed (SIGKILL) at a random moment of a write: a
 * random delay within twice the slowest warm-up sale (before, during or after the commit),
 * or right after the answer. Some writes are sent twice at once (a POS whose timeout fired
 * retries while the first try is still in flight). After each restart every unanswered write
 * is sent again with its key and body, every answered one once more; then:
 * every answer agrees with the ledger and equals the first answer; the ledger holds each
 * acknowledged sale and return exactly once and nothing the POS was refused; the invariants
 * hold; every card's points equal what the answers add up to. Two tills run side by side,
 * each with half the kills. TILLPOINT_AGENT_KILL_ROUNDS=N kills in all (default 200);
 * TILLPOINT_KILL_SEED replays the choices (each till draws from seed + its number).
 */
describe('SIGKILL between a POS request and its reply', () => {
  let dir: string;
  const tills: Lane[] = [];
  let disposeBundle = () => {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-kill-'));
    const bundle = await bundleForTest('kill-retry');
    disposeBundle = bundle.dispose;
    for (let lane = 0; lane < lanes; lane++) {
      const tillId = `kill-till-${lane}`;
      const home = join(dir, tillId);
      mkdirSync(home);
      copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(home, 'program.json'));
      const port = await freePort();
      const config = writeConfig(home, { port, token, tillId, printerYaml: '' });
      const agent = new AgentProcess(config, `http://127.0.0.1:${port}`, token, bundle.file);
      await agent.start();
      const random = seededRandom(seed + lane);
      const pos = new PosWorkload({
        call: (method, path, body) => callAgent(agent.url, token, method, path, body),
        random,
        cards,
        prefix: `K${lane}`,
        inFlightRetries: true,
      });
      tills.push({ tillId, dataDir: join(home, 'data'), agent, pos, random });
    }
  }, 60_000);

  afterAll(async () => {
    for (const till of tills) await till.agent.stop();
    disposeBundle();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One till's share of the kills, then its ledger read and checked. */
  async function run(till: Lane, share: number): Promise<{ windowMs: number; entries: number }> {
    const { agent, pos, random } = till;
    const windowMs = await pos.cutWindowMs(100);
    const kill: CutAt = async (inFlight) => {
      const afterAnswer = random() < 0.2;
      if (afterAnswer) await inFlight;
      await sleep(afterAnswer ? between(random, 0, 2) : between(random, 0, windowMs));
      pos.count(afterAnswer ? 'kills right after an answer' : 'kills within a request');
      killed += 1;
      await agent.stop('SIGKILL');
      await agent.start();
    };
    // A transaction may end before the write the kill was meant for (a refused reservation, a
    // return with no sale yet): go on until the share of kills really happened.
    let killed = 0;
    while (killed < share) {
      await pos.transaction(kill);
      await pos.replaySome(1);
      if (pos.transactions % 50 === 0) await pos.checkCards(`after ${killed} kills`);
    }
    await pos.checkCards('at the end');
    await agent.stop('SIGTERM');
    const ledger = readLedger(till.dataDir, till.tillId);
    for (const problem of ledger.problems) pos.problem(`ledger: ${problem}`, 'at the end');
    pos.checkLedger(ledger.entries, 'at the end');
    await agent.start();
    return { windowMs, entries: ledger.entries.length };
  }

  it(`${kills} kills: every answer agrees with the ledger, each acknowledged write booked once`, async () => {
    const started = Date.now();
    const results = await Promise.all(tills.map((till) => run(till, Math.ceil(kills / lanes))));
    for (const [lane, till] of tills.entries()) {
      const { pos } = till;
      console.info(
        `kill-retry ${till.tillId}: ${Math.ceil(kills / lanes)} kills (window ${results[lane]?.windowMs} ms), ${pos.writes.length} writes, ${pos.writes.filter((w) => w.unanswered > 0).length} left unanswered by a kill, ${results[lane]?.entries} ledger entries\n${pos.report()}`,
      );
    }
    console.info(
      `kill-retry: ${kills} kills in ${Math.round((Date.now() - started) / 1000)} s (seed ${seed})`,
    );
    for (const [lane, till] of tills.entries()) {
      expect(till.pos.problems, till.tillId).toEqual([]);
      expect(results[lane]?.entries).toBeGreaterThan(kills / lanes / 4);
    }
  }, 1_200_000);
});
