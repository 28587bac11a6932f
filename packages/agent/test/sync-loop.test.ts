import { ManualClock } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SyncTransport, SyncTransportError } from '../src/sync/http-sync-transport';
import { SyncClient, type SyncOutbox } from '../src/sync/sync-client';
import { SyncStateStore } from '../src/sync/sync-state-store';

/** The ledger reads the sync loop makes besides the outbox: nothing spent, no card kept. */
const noCards = {
  unackedSpend: () => ({ card: 0, till: 0 }),
  getCard: () => undefined,
  getCardSnapshot: () => undefined,
};

const entry = {
  tillId: 't1',
  epoch: 'e1',
  seq: 1,
  cardId: 'c',
  postings: [],
  newLots: [],
} as unknown as OutboxEntry;

function outbox(): SyncOutbox & { acked: number } {
  return {
    ...noCards,
    acked: 0,
    outboxAfter(seq) {
      return seq < 1 ? [entry] : [];
    },
    outboxHead() {
      return { tillId: 't1', epoch: 'e1', lastSeq: 1, ackedThrough: this.acked, pending: 1 - this.acked };
    },
    markAcked(seq) {
      this.acked = seq;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('sync loop timing', () => {
  it('backs off exponentially with jitter up to the cap while head office is down, then resumes its interval', async () => {
    vi.useFakeTimers();
    const calls: number[] = [];
    let down = true;
    const transport: SyncTransport = {
      push: async () => {
        calls.push(Date.now());
        if (down) throw new SyncTransportError('unreachable', 'connection refused');
        return { kind: 'acked', response: { epoch: 'e1', ackedThrough: 1, applied: 1, duplicates: 0 } };
      },
      changes: async () => ({
        cursor: 1,
        more: false,
        watermark: { epoch: 'e1', seq: 1 },
        balances: [],
        blocklist: [],
        ruleSets: [],
        limits: { maxSyncAgeMs: 60_000, perCardCap: 1, tillTotalCap: 1, cards: [] },
      }),
    };
    const box = outbox();
    const db = new Database(':memory:');
    const client = new SyncClient({
      tillId: 't1',
      outbox: box,
      transport,
      state: new SyncStateStore(db),
      clock: new ManualClock(0),
      hubPublicKeyPem: '',
      intervalMs: 5_000,
      backoffMinMs: 1_000,
      backoffMaxMs: 8_000,
      random: () => 1,
    });
    const start = Date.now();
    client.start();
    await vi.advanceTimersByTimeAsync(40_000);
    const gaps = calls.map((t, i) => t - (calls[i - 1] ?? start));
    expect(gaps.slice(0, 6)).toEqual([0, 1_000, 2_000, 4_000, 8_000, 8_000]);
    down = false;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(box.acked).toBe(1);
    await client.stop();
    db.close();
  });

  it('a sale during a run makes the loop run again at once instead of waiting for the interval', async () => {
    vi.useFakeTimers();
    let lastSeq = 1;
    let acked = 0;
    const pushed: number[] = [];
    let release: (() => void) | undefined;
    const box: SyncOutbox = {
      ...noCards,
      outboxAfter: (seq) => (seq < lastSeq ? [{ ...entry, seq: seq + 1 }] : []),
      outboxHead: () => ({
        tillId: 't1',
        epoch: 'e1',
        lastSeq,
        ackedThrough: acked,
        pending: lastSeq - acked,
      }),
      markAcked: (seq) => {
        acked = seq;
      },
    };
    const limits = { maxSyncAgeMs: 60_000, perCardCap: 1, tillTotalCap: 1, cards: [] };
    let pulls = 0;
    const transport: SyncTransport = {
      push: async (_tillId, entries) => {
        const seq = (entries[0] as OutboxEntry).seq;
        pushed.push(seq);
        return { kind: 'acked', response: { epoch: 'e1', ackedThrough: seq, applied: 1, duplicates: 0 } };
      },
      changes: async () => {
        pulls += 1;
        if (pulls === 1) await new Promise<void>((resolve) => (release = resolve));
        return {
          cursor: 1,
          more: false,
          watermark: { epoch: 'e1', seq: 1 },
          balances: [],
          blocklist: [],
          ruleSets: [],
          limits,
        };
      },
    };
    const db = new Database(':memory:');
    const client = new SyncClient({
      tillId: 't1',
      outbox: box,
      transport,
      state: new SyncStateStore(db),
      clock: new ManualClock(0),
      hubPublicKeyPem: '',
      intervalMs: 60_000,
    });
    client.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(pushed).toEqual([1]);
    lastSeq = 2; // a sale while the run is pulling
    client.nudge();
    release?.();
    await vi.advanceTimersByTimeAsync(10);
    expect(pushed).toEqual([1, 2]);
    await client.stop();
    db.close();
  });
});
