import { parentPort, workerData } from 'node:worker_threads';
import { parseProgram } from '@tillpoint/rules';
import { tierPolicyOf } from '../chain/tier-window';
import { replayCard } from './replay-card';
import { openHistoryReader, replayRange } from './replay-range';
import type { WhatIfPart } from './whatif';
import { WhatIfTally } from './whatif-tally';

/** One part of a what-if in a worker thread: replays its range of cards, answers its tally. */
const part = workerData as WhatIfPart;
const parsed = parseProgram(JSON.parse(part.programJson), 'draft program');
if (!parsed.ok) throw new Error(parsed.message);
const version = parsed.value;
const policy = tierPolicyOf(part.programJson);
const tally = new WhatIfTally(version.program.timeZone);
const reader = await openHistoryReader(part.db, part.schema);
try {
  await replayRange(reader, part.range, part.period, part.batchCards, (history) => {
    tally.addCard(replayCard(history, version, policy));
  });
} finally {
  await reader.close();
}
parentPort?.postMessage(tally.toJSON());
