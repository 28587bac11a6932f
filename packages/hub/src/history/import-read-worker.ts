import { parentPort, workerData } from 'node:worker_threads';
import { TillpointError } from '@tillpoint/core';
import { type ChunkSource, readChunks } from './import-chunks';
import { copyBuffers } from './sale-chunk-copy';

/**
 * The import's reading in a worker thread: the file's chunks (`readChunks`) posted to the import's
 * thread, at most `chunksAhead` not yet taken (each taken chunk sends one message back), so memory stays
 * bounded by a few chunks while the import's thread writes.
 */
export const chunksAhead = 2;

const port = parentPort;
if (port === null) throw new Error('import-read-worker runs in a worker thread');
let credit = chunksAhead;
let wake: (() => void) | null = null;
port.on('message', () => {
  credit += 1;
  wake?.();
  wake = null;
});
try {
  for await (const chunk of readChunks(workerData as ChunkSource)) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit -= 1;
    port.postMessage({ chunk }, chunk.copy === null ? [] : copyBuffers(chunk.copy));
  }
  port.postMessage({ done: true });
} catch (error) {
  port.postMessage({
    failed:
      error instanceof TillpointError
        ? { code: error.code, message: error.message }
        : { code: null, message: error instanceof Error ? error.message : String(error) },
  });
}
// The import's thread ends this worker once it has the last message.
