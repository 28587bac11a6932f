import { assert } from '@tillpoint/core';
import {
  canonicalBodyJson,
  chainHash,
  genesisHash,
  type OutboxBody,
  type OutboxEntry,
  snapshotLotId,
} from '@tillpoint/ledger';
import { type ProgramVersion, parseProgram } from '@tillpoint/rules';
import { openAdminStore } from '../admin/open-admin-store';
import { tierPolicyOf } from '../chain/tier-window';
import { openHubDatabase } from '../cli/hub-database';
import { type HubStore, hubTillId } from '../hub-store';
import type { Period } from './history-rows';
import { replayCard } from './replay-card';
import { openHistoryReader, replayRange } from './replay-range';
import { openRunStore, type PlanRow, type RunStore } from './run-store';

/**
 * `tillpoint-hub reaccrue`: the period's sales replayed under a published rule-set version, and
 * each card's difference (points net of returns, replayed − booked) posted as one head-office
 * adjustment entry, reason `reaccrual`, with the idempotency key `reaccrual:<run>:<card>`.
 *
 * A run has a plan and a stream. Planning replays the cards in card order and keeps each card's
 * difference with a sequence number (`history_run_card`), batch by batch with the card reached,
 * so a planning run stopped anywhere resumes after its last batch. Posting sends the plan, in
 * sequence order, through the store's own push path (`applyBatch`) as head office's stream
 * `hub` / epoch `<run>`: the push's idempotency (a batch held is `replayed`, a gap names the seq
 * expected) makes a posting run stopped anywhere resume without adjusting a card twice, and the
 * push gives every adjusted card a feed number, so the tills pull the new balance. A dry run
 * plans and reports, and posts nothing (a later run with the same id posts that plan).
 */
export interface ReaccrualOptions {
  db: string;
  schema?: string;
  /** A rule-set version head office published. */
  version: string;
  period: Period;
  /** Default `reaccrual-<version>-<from>-<to>` (dates as UTC days). */
  runId?: string;
  dryRun: boolean;
  /** Who ran it (the audit trail's actor). */
  actor: string;
  note?: string;
  now?: () => number;
  batchCards?: number;
  entriesPerPush?: number;
}

export interface ReaccrualOutcome {
  runId: string;
  cards: number;
  pointsAdded: number;
  pointsTakenBack: number;
  posted: boolean;
  /** Entries this call sent that head office had not held yet. */
  applied: number;
}

export const reaccrualRunId = (version: string, period: Period) =>
  `reaccrual-${version}-${new Date(period.from).toISOString().slice(0, 10)}-${new Date(period.to).toISOString().slice(0, 10)}`;

export async function reaccrue(o: ReaccrualOptions): Promise<ReaccrualOutcome> {
  const now = o.now ?? Date.now;
  const runId = o.runId ?? reaccrualRunId(o.version, o.period);
  assert(/^[A-Za-z0-9._:-]{1,80}$/.test(runId), 'a run id is 1-80 letters, digits and . _ : -', { runId });
  const hub = await openHubDatabase(o.db, o.schema === undefined ? {} : { schema: o.schema });
  const runs = await openRunStore(o.db, o.schema);
  try {
    const version = await publishedVersion(o);
    const spec = JSON.stringify({ version: o.version, from: o.period.from, to: o.period.to });
    await runs.create(runId, JSON.stringify({ ...JSON.parse(spec), postAt: now() }), now());
    const run = await runs.get(runId);
    assert(run !== null, 'the run was recorded');
    const held = JSON.parse(run.spec) as { version: string; from: number; to: number; postAt: number };
    if (held.version !== o.version || held.from !== o.period.from || held.to !== o.period.to)
      throw new ReaccrualError(
        `run ${runId} was planned for another version or period: give another --run id`,
      );
    if (run.state === 'planning') await plan(o, runs, runId, version, run.plannedThrough, now);
    const totals = await planTotals(runs, runId);
    const outcome = { runId, ...totals, posted: false, applied: 0 };
    if (o.dryRun) {
      await audit(o, 'history.reaccrue.dry_run', runId, outcome, now());
      return outcome;
    }
    const applied = await post(
      hub,
      runs,
      runId,
      { ...held, lifetimeDays: version.program.lifetimeDays },
      o,
      now,
    );
    await runs.setState(runId, 'posted', now());
    const done = { ...outcome, posted: true, applied };
    await audit(o, 'history.reaccrue', runId, done, now());
    return done;
  } finally {
    await runs.close();
    await hub.close();
  }
}

export class ReaccrualError extends Error {
  readonly code = 'reaccrual_refused';
}

async function publishedVersion(o: ReaccrualOptions): Promise<ProgramVersion> {
  const reader = await openHistoryReader(o.db, o.schema);
  try {
    const json = await reader.ruleSet(o.version);
    if (json === null)
      throw new ReaccrualError(`rule set ${o.version} was never published: publish it first (publish-rules)`);
    const parsed = parseProgram(JSON.parse(json), `rule set ${o.version}`);
    if (!parsed.ok) throw new ReaccrualError(parsed.message);
    return parsed.value;
  } finally {
    await reader.close();
  }
}

async function plan(
  o: ReaccrualOptions,
  runs: RunStore,
  runId: string,
  version: ProgramVersion,
  through: string | null,
  now: () => number,
): Promise<void> {
  const reader = await openHistoryReader(o.db, o.schema);
  const policy = tierPolicyOf(JSON.stringify(version.program));
  let seq = (await runs.get(runId))?.cards ?? 0;
  let rows: PlanRow[] = [];
  let last: string | null = through;
  const batch = o.batchCards ?? 500;
  let seen = 0;
  try {
    await replayRange(reader, { after: through ?? '', upTo: null }, o.period, batch, async (history) => {
      let booked = 0;
      let replayed = 0;
      for (const r of replayCard(history, version, policy)) {
        booked += r.bookedNet;
        replayed += r.replayedNet;
      }
      if (replayed !== booked)
        rows.push({ cardId: history.cardId, seq: ++seq, booked, replayed, delta: replayed - booked });
      last = history.cardId;
      seen += 1;
      if (seen % batch === 0) {
        await runs.addPlan(runId, rows, last, false, now());
        rows = [];
      }
    });
    await runs.addPlan(runId, rows, last, true, now());
  } finally {
    await reader.close();
  }
}

async function planTotals(runs: RunStore, runId: string) {
  let cards = 0;
  let pointsAdded = 0;
  let pointsTakenBack = 0;
  for (let after = 0; ; ) {
    const rows = await runs.plan(runId, after, 10_000);
    for (const r of rows) {
      cards += 1;
      if (r.delta > 0) pointsAdded += r.delta;
      else pointsTakenBack -= r.delta;
    }
    if (rows.length < 10_000) return { cards, pointsAdded, pointsTakenBack };
    after = (rows[rows.length - 1] as PlanRow).seq;
  }
}

/** The adjustment of one card (pure): its points added as a lot of the program's lifetime, or taken back. */
export function reaccrualEntry(
  row: PlanRow,
  run: {
    runId: string;
    version: string;
    from: number;
    to: number;
    postAt: number;
    lifetimeDays: number | null;
  },
  prevHash: string,
): OutboxEntry {
  const txnId = `reaccrual:${run.runId}:${row.cardId}`;
  const lotId = txnId;
  const d = row.delta;
  const body: OutboxBody = {
    tillId: hubTillId,
    epoch: run.runId,
    seq: row.seq,
    txnId,
    idempotencyKey: txnId,
    kind: 'adjustment',
    cardId: row.cardId,
    occurredAt: run.postAt,
    rulesVersion: run.version,
    reverses: null,
    postings:
      d > 0
        ? [
            { leg: 0, account: 'member_available', amount: d, lotId },
            { leg: 1, account: 'issued_liability', amount: -d, lotId: null },
          ]
        : [
            { leg: 0, account: 'member_available', amount: d, lotId: snapshotLotId(row.cardId) },
            { leg: 1, account: 'issued_liability', amount: -d, lotId: null },
          ],
    newLots:
      d > 0
        ? [
            {
              lotId,
              initial: d,
              vestsAt: run.postAt,
              expiresAt: run.lifetimeDays === null ? null : run.postAt + run.lifetimeDays * 86_400_000,
              account: 'member_available',
            },
          ]
        : [],
    detail: {
      reason: 'reaccrual',
      run: run.runId,
      version: run.version,
      from: run.from,
      to: run.to,
      booked: row.booked,
      replayed: row.replayed,
    },
  };
  return { ...body, prevHash, hash: chainHash(prevHash, canonicalBodyJson(body)) };
}

async function post(
  hub: HubStore,
  runs: RunStore,
  runId: string,
  run: { version: string; from: number; to: number; postAt: number; lifetimeDays: number | null },
  o: ReaccrualOptions,
  now: () => number,
): Promise<number> {
  const size = o.entriesPerPush ?? 200;
  let prev = genesisHash(hubTillId, runId);
  let acked = 0;
  let applied = 0;
  for (let after = 0; ; ) {
    const rows = await runs.plan(runId, after, size);
    if (rows.length === 0) return applied;
    const entries = rows.map((row) => {
      const entry = reaccrualEntry(row, { runId, ...run }, prev);
      prev = entry.hash;
      return entry;
    });
    after = (rows[rows.length - 1] as PlanRow).seq;
    if (after <= acked) continue;
    const fresh = entries.filter((e) => e.seq > acked);
    const outcome = await hub.applyBatch({
      tillId: hubTillId,
      storeId: hubTillId,
      entries: fresh,
      now: now(),
    });
    if (outcome.kind === 'applied') {
      applied += outcome.applied;
      acked = outcome.ackedThrough;
    } else if (outcome.kind === 'replayed') acked = outcome.ackedThrough;
    else throw new ReaccrualError(`head office refused the re-accrual stream: ${JSON.stringify(outcome)}`);
  }
}

async function audit(
  o: ReaccrualOptions,
  action: string,
  runId: string,
  after: unknown,
  at: number,
): Promise<void> {
  const admin = await openAdminStore(o.db, o.schema === undefined ? {} : { schema: o.schema });
  try {
    await admin.appendAudit({
      at,
      actor: o.actor,
      actorRole: null,
      action,
      target: `run:${runId}`,
      outcome: 'done',
      before: null,
      after,
      address: null,
      note:
        o.note ??
        `rule set ${o.version}, sales from ${new Date(o.period.from).toISOString()} to ${new Date(o.period.to).toISOString()}`,
    });
  } finally {
    await admin.close();
  }
}
