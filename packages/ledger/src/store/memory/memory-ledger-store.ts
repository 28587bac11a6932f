import { systemClock } from '@tillpoint/core';
import { checkInvariants } from '../../model/invariants';
import { verifyOutboxRows } from '../../model/outbox-entry';
import type { LedgerPorts, LedgerReader } from '../../operations/ledger-ports';
import { ownFactsMismatches } from '../../operations/outbox-sync';
import type { BackupResult } from '../ledger-store';
import {
  type LedgerSettings,
  LedgerStoreBase,
  type LedgerStoreOptions,
  ledgerSettings,
} from '../ledger-store-base';
import { LedgerStoreError } from '../ledger-store-error';
import { MemoryLedgerState } from './memory-ledger-state';

/**
 * The ledger in memory: the same decisions and the same `LedgerStore` contract as the SQLite
 * store, over plain maps, with nothing kept when the process ends. For tests of callers (the
 * agent's till session), property tests that compare it with the SQLite store, and tools that
 * replay a card's history. A write that throws changes nothing, as in a rolled-back transaction.
 */
export class MemoryLedgerStore extends LedgerStoreBase {
  readonly tillId: string;
  readonly epoch: string;
  protected readonly settings: LedgerSettings;
  readonly #state: MemoryLedgerState;
  readonly #ports: LedgerPorts;
  #closed = false;

  constructor(options: LedgerStoreOptions) {
    super();
    this.settings = ledgerSettings(options, options.clock ?? systemClock);
    this.tillId = options.tillId;
    this.epoch = this.settings.newId();
    this.#state = new MemoryLedgerState(this.tillId, this.epoch);
    this.#ports = { read: this.#state, write: this.#state };
  }

  #open(): void {
    if (this.#closed)
      throw new LedgerStoreError('store_closed', `the in-memory ledger of ${this.tillId} is closed`);
  }

  protected transact<T>(_doing: string, work: (ports: LedgerPorts) => T): T {
    this.#open();
    return this.#state.atomically(() => work(this.#ports));
  }

  protected reading<T>(work: (read: LedgerReader) => T): T {
    this.#open();
    return work(this.#state);
  }

  /**
   * The ledger invariants over the whole state (`checkInvariants`, plus the outbox: one row per
   * entry, the hash chain, each kept snapshot's delta and own card facts, the unacknowledged
   * spend and once-only grant totals).
   */
  findInvariantViolations(): string[] {
    this.#open();
    const state = this.#state;
    const now = this.settings.clock.nowMs();
    const problems = checkInvariants({
      entries: state.journal,
      lots: [...state.lots.values()],
      balances: [...state.cards.values()].map((c) => ({
        cardId: c.cardId,
        available: c.available,
        pending: c.pending,
      })),
      activeHolds: [...state.holds.values()]
        .filter((h) => h.state === 'active' && h.expiresAt > now)
        .map((h) => ({ holdId: h.holdId, allocations: state.holdAllocations(h.holdId) })),
    }).map((v) => v.message);
    if (state.journal.length !== state.outbox.length)
      problems.push(`${state.journal.length} journal entries but ${state.outbox.length} outbox rows`);
    const chain = verifyOutboxRows(this.tillId, state.outbox);
    if (!chain.ok)
      problems.push(`outbox chain broken at epoch ${chain.epoch} seq ${chain.seq}: ${chain.reason}`);
    for (const snapshot of state.snapshots.values()) {
      const after = snapshot.watermarkEpoch === this.epoch ? snapshot.watermarkSeq : 0;
      let posted = 0;
      for (const entry of state.journal) {
        if (entry.seq <= after || entry.cardId !== snapshot.cardId) continue;
        for (const p of entry.postings) if (p.lotId !== null) posted += p.amount;
      }
      if (posted !== snapshot.delta)
        problems.push(`card ${snapshot.cardId}: snapshot keeps ${snapshot.delta}, postings say ${posted}`);
    }
    const unacked = state.spentBetween(state.acked, state.outbox.length);
    for (const card of state.cards.values()) {
      const recorded = unacked.get(card.cardId) ?? 0;
      if (card.unackedSpent !== recorded)
        problems.push(
          `card ${card.cardId}: unacknowledged spend kept as ${card.unackedSpent}, entries say ${recorded}`,
        );
    }
    const till = [...unacked.values()].reduce((sum, points) => sum + points, 0);
    if (state.unackedTill !== till)
      problems.push(`till: unacknowledged spend kept as ${state.unackedTill}, entries say ${till}`);
    const granted = state.grantedBetween(state.acked, state.outbox.length);
    for (const card of state.cards.values()) {
      const recorded = granted.get(card.cardId) ?? 0;
      if (card.unackedGranted !== recorded)
        problems.push(
          `card ${card.cardId}: unacknowledged grants kept as ${card.unackedGranted}, entries say ${recorded}`,
        );
    }
    const grantedTill = [...granted.values()].reduce((sum, points) => sum + points, 0);
    if (state.unackedGrantedTill !== grantedTill)
      problems.push(
        `till: unacknowledged grants kept as ${state.unackedGrantedTill}, entries say ${grantedTill}`,
      );
    problems.push(...ownFactsMismatches(state, state.snapshots.values()));
    return problems;
  }

  checkIntegrity(): { ok: boolean; problems: string[] } {
    const problems = this.findInvariantViolations();
    return { ok: problems.length === 0, problems };
  }

  async backup(_destPath: string): Promise<BackupResult> {
    throw new LedgerStoreError(
      'backup_failed',
      'the in-memory ledger has no file to back up; backups need the SQLite store (openLedgerStore)',
    );
  }

  close(): void {
    this.#closed = true;
  }
}
