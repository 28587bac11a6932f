import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedgerStore } from '../src/store/index';

/**
 * Kill test: a child commits in a loop and logs each acknowledged commit after it
 * returns; we SIGKILL it at random moments and check the file after every restart (invariants,
 * chain, every acknowledged commit exactly once, every sale's answer document kept with it).
 * TILLPOINT_KILL_ROUNDS=5000 runs a longer campaign (see the README).
 */
const rounds = Number(process.env.TILLPOINT_KILL_ROUNDS ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'tillpoint-kill-'));
const childPath = join(dir, 'kill-child.mjs');
const dbPath = join(dir, 'till.sqlite');
const logPath = join(dir, 'acks.log');

beforeAll(async () => {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  await build({
    entryPoints: [join(import.meta.dirname, 'kill', 'kill-child.ts')],
    outfile: childPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    plugins: [
      {
        name: 'native-external',
        setup(b) {
          // The native module stays outside the bundle, loaded from this workspace.
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite, external: true }));
        },
      },
    ],
  });
  writeFileSync(logPath, '');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  index: number;
  key: string;
  txnId: string;
  seq: number;
}

/** Reads the log, dropping (and truncating away) a torn last line. */
function readLog(): { acks: Ack[]; nextIndex: number } {
  const text = readFileSync(logPath, 'utf8');
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length !== text.length) truncateSync(logPath, Buffer.byteLength(complete));
  const acks: Ack[] = [];
  let nextIndex = 0;
  for (const line of complete.split('\n')) {
    if (line === '') continue;
    const [index, status, key, txnId, seq] = line.split(' ');
    nextIndex = Number(index) + 1;
    if (status === 'ok')
      acks.push({ index: Number(index), key: key ?? '', txnId: txnId ?? '', seq: Number(seq) });
  }
  return { acks, nextIndex };
}

function runChild(startIndex: number, killAfterMs: number, waitForReady: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [childPath, dbPath, logPath, String(startIndex)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    const kill = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    if (waitForReady) {
      // From the child's first acknowledged commit: on a loaded machine a commit takes
      // milliseconds, and a window counted from `ready` would often end before the first one.
      let out = '';
      const onData = (d: Buffer) => {
        out += d.toString();
        if (!out.includes('committing')) return;
        child.stdout?.off('data', onData);
        setTimeout(kill, killAfterMs);
      };
      child.stdout?.on('data', onData);
    } else {
      setTimeout(kill, killAfterMs);
    }
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve();
      else reject(new Error(`child exited by itself (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe('kill test: SIGKILL at random moments while committing', () => {
  it(
    `survives ${rounds} kills with every acknowledged commit present exactly once`,
    async () => {
      let committedMax = 0;
      let committedNotAcked = 0;
      for (let round = 0; round < rounds; round++) {
        const { nextIndex } = readLog();
        // Most kills land while the loop commits (1-40 ms after its first commit); some land
        // while the store is opening.
        const waitForReady = round % 5 !== 0;
        await runChild(nextIndex, waitForReady ? 1 + Math.random() * 40 : Math.random() * 150, waitForReady);

        const { acks } = readLog();
        // Opening checks integrity and the invariants (per-entry zero sums, projections
        // equal to postings, lots equal to their postings, contiguous outbox, hash chain).
        const store = openLedgerStore({ path: dbPath, tillId: 'kill-till', integrityCheck: 'quick' });
        try {
          expect(store.findInvariantViolations()).toEqual([]);
          const head = store.outboxHead();
          expect(store.verifyOutboxChain()).toEqual({ ok: true, entries: head.lastSeq });
          committedMax = head.lastSeq;
        } finally {
          store.close();
        }
        const db = new Database(dbPath, { readonly: true });
        try {
          const journal = new Map(
            (
              db.prepare('SELECT idempotency_key AS key, txn_id, till_seq FROM journal').all() as {
                key: string;
                txn_id: string;
                till_seq: number;
              }[]
            ).map((r) => [r.key, r]),
          );
          const perKey = db.prepare('SELECT count(*) AS n FROM journal WHERE idempotency_key = ?');
          for (const ack of acks) {
            const row = journal.get(ack.key);
            expect(row, `acknowledged ${ack.key} is missing`).toBeDefined();
            expect(row?.txn_id).toBe(ack.txnId);
            expect(row?.till_seq).toBe(ack.seq);
          }
          // Every sale in the journal has its answer document, naming that very entry: the
          // document and the entry land in one transaction or not at all.
          const unanswered = db
            .prepare(
              `SELECT count(*) FROM journal j LEFT JOIN idempotency i ON i.key = j.idempotency_key
                WHERE j.kind = 'sale' AND (i.answer IS NULL OR json_extract(i.answer, '$.txnId') <> j.txn_id
                   OR json_extract(i.answer, '$.seq') <> j.till_seq)`,
            )
            .pluck()
            .get();
          expect(unanswered).toBe(0);
          // Spot-check "exactly once" through the index as well (the key is UNIQUE).
          const last = acks[acks.length - 1];
          if (last !== undefined) expect((perKey.get(last.key) as { n: number }).n).toBe(1);
          const acked = new Set(acks.map((a) => a.key));
          expect(acked.size).toBe(acks.length);
          // Commits that landed but whose ack the kill swallowed: the next run re-sends them.
          committedNotAcked += [...journal.keys()].filter((k) => !acked.has(k)).length;
        } finally {
          db.close();
        }
      }
      console.info(
        `kill test: ${rounds} kills, ${committedMax} outbox entries, ${committedNotAcked} commits found before their ack`,
      );
      expect(committedMax).toBeGreaterThan(rounds);
    },
    Math.max(600_000, rounds * 1000),
  );
});
