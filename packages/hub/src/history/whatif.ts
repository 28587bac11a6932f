import { availableParallelism } from 'node:os';
import { exchangeRateOf, type ProgramVersion } from '@tillpoint/rules';
import { tierPolicyOf } from '../chain/tier-window';
import type { Period } from './history-rows';
import { historyWorker } from './history-worker';
import { replayCard } from './replay-card';
import { type CardRange, cardRanges, openHistoryReader, replayRange } from './replay-range';
import { type ReportRow, reportCsv, WhatIfTally } from './whatif-tally';

/**
 * `tillpoint-hub whatif`: a period's sales replayed under a draft program (the engine the tills
 * run, each card as it was at each sale), nothing written; the report compares the points with
 * what was booked by rule, store, day and tier, with the cost in money against turnover, the
 * members affected and the liability change. The cards are split into `parts` ranges replayed in
 * parallel worker threads (each reads its own cards); tallies add up, so the report is the same
 * whatever the split.
 */
export interface WhatIfOptions {
  db: string;
  schema?: string;
  program: ProgramVersion;
  period: Period;
  /** Parallel parts (worker threads); default: the machine's cores. 1: in this thread. */
  parts?: number;
  /** Cards read a batch; default 500. */
  batchCards?: number;
}

export interface WhatIfPart {
  db: string;
  schema: string;
  programJson: string;
  period: Period;
  range: CardRange;
  batchCards: number;
}

export interface WhatIfReport {
  rows: ReportRow[];
  csv: string;
  cards: number;
  /** Sales whose points spend the draft program would refuse (replayed as unspent). */
  spendRefused: number;
  seconds: number;
}

export async function whatIf(o: WhatIfOptions): Promise<WhatIfReport> {
  const started = performance.now();
  const parts = o.parts ?? Math.min(availableParallelism(), 8);
  const batchCards = o.batchCards ?? 500;
  const schema = o.schema ?? 'tillpoint_hub';
  const tally = new WhatIfTally(o.program.program.timeZone);
  const reader = await openHistoryReader(o.db, schema);
  let ranges: CardRange[];
  try {
    ranges = await cardRanges(reader, parts);
    if (parts === 1) {
      const policy = tierPolicyOf(JSON.stringify(o.program.program));
      await replayRange(reader, ranges[0] as CardRange, o.period, batchCards, (history) => {
        tally.addCard(replayCard(history, o.program, policy));
      });
    }
  } finally {
    await reader.close();
  }
  if (parts > 1) {
    const programJson = JSON.stringify(o.program.program);
    const tallies = await Promise.all(
      ranges.map((range) => runPart({ db: o.db, schema, programJson, period: o.period, range, batchCards })),
    );
    for (const t of tallies) tally.merge(t);
  }
  const rows = tally.rows();
  return {
    rows,
    csv: reportCsv(rows, exchangeRateOf(o.program.program)),
    cards: tally.cards,
    spendRefused: tally.spendRefused,
    seconds: (performance.now() - started) / 1000,
  };
}

/** A part in a worker thread. */
function runPart(part: WhatIfPart): Promise<ReturnType<WhatIfTally['toJSON']>> {
  const worker = historyWorker('replay-worker', part);
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`a replay worker stopped with code ${code}`));
    });
  });
}
