import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrinterError, parseStatus, StatusResponder } from '../src/index';
import { ResponseInbox } from '../src/response-inbox';

/**
 * The printer-status decoders under garbage: what a printer (or a cable) answers to DLE EOT,
 * the till-side inbox that buffers it, and the virtual printer's request decoder.
 * TILLPOINT_FUZZ_RUNS inputs each (default 10,000; 100,000 or more in a long run);
 * TILLPOINT_FUZZ_SEED replays them (fast-check prints the seed of a failure).
 */
const runs = Number(process.env.TILLPOINT_FUZZ_RUNS ?? 10_000);
const seed =
  process.env.TILLPOINT_FUZZ_SEED === undefined ? undefined : Number(process.env.TILLPOINT_FUZZ_SEED);
const params = { numRuns: runs, ...(seed === undefined ? {} : { seed }) };
/** Room for a long run on a busy machine: about 2 ms an input. */
const timeoutMs = 30_000 + runs * 2;
const byte = fc.integer({ min: 0, max: 255 });

describe('printer status fuzz', () => {
  it(
    'any three answer bytes: a status whose flags are the documented bits, or no_response',
    () => {
      fc.assert(
        fc.property(byte, byte, byte, (printer, cause, paper) => {
          // The ESC/POS manual's bits, written out again here: 0xx1 0x10 is a status byte.
          const isStatus = (b: number) => (b & 0b1001_0011) === 0b0001_0010;
          if (![printer, cause, paper].every(isStatus)) {
            expect(() => parseStatus(printer, cause, paper)).toThrow(PrinterError);
            try {
              parseStatus(printer, cause, paper);
            } catch (error) {
              expect((error as PrinterError).code).toBe('no_response');
            }
            return;
          }
          expect(parseStatus(printer, cause, paper)).toEqual({
            online: (printer & 8) === 0,
            coverOpen: (cause & 4) !== 0,
            paperOut: (cause & 32) !== 0 || (paper & 96) !== 0,
            paperNearEnd: (paper & 12) !== 0,
            error: (cause & 64) !== 0,
            raw: { printer, offlineCause: cause, paper },
          });
        }),
        params,
      );
    },
    timeoutMs,
  );

  it(
    'the inbox keeps bytes in order up to its bound, whatever arrives and whenever it is read',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 64 }),
          fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 8 })), {
            maxLength: 12,
          }),
          async (bytesMax, steps) => {
            const inbox = new ResponseInbox(bytesMax);
            // The model: a queue that drops what arrives while it is full.
            const queue: number[] = [];
            for (const step of steps) {
              if (step instanceof Uint8Array) {
                inbox.receive(step);
                for (const b of step) if (queue.length < bytesMax) queue.push(b);
              } else {
                const taken = await inbox.take(step, 0);
                if (queue.length < step) expect(taken).toBeUndefined();
                else expect([...(taken ?? [])]).toEqual(queue.splice(0, step));
              }
            }
          },
        ),
        params,
      );
    },
    timeoutMs,
  );

  it(
    'the virtual printer answers the requests before the job and keeps the job, however it is cut',
    () => {
      // Mostly status requests (10 04 n), with garbage around them.
      const chunkOf = fc.oneof(
        fc.integer({ min: 0, max: 6 }).map((n) => Uint8Array.of(0x10, 0x04, n)),
        fc.uint8Array({ maxLength: 12 }),
        fc.constant(Uint8Array.of(0x10)),
        fc.constant(Uint8Array.of(0x04)),
      );
      fc.assert(
        fc.property(
          fc.array(chunkOf, { maxLength: 10 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          (chunks, cuts) => {
            const stream = Uint8Array.from(chunks.flatMap((c) => [...c]));
            // The model: leading complete 10 04 n triples are requests, everything from the first
            // other byte on is the job.
            let at = 0;
            const requests: number[] = [];
            while (at + 2 < stream.length && stream[at] === 0x10 && stream[at + 1] === 0x04) {
              requests.push(stream[at + 2] as number);
              at += 3;
            }
            const tail = stream.subarray(at);
            const unfinished = tail.length < 3 && tail[0] === 0x10 && (tail.length === 1 || tail[1] === 0x04);
            const job = unfinished ? [] : [...tail];
            const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
            const responder = new StatusResponder(() => 'ok');
            let last = 0;
            for (const point of [...points, stream.length]) {
              responder.receive(stream.subarray(last, point));
              last = point;
            }
            expect(responder.statusRequests).toEqual(requests);
            expect([...responder.jobBytes()]).toEqual(job);
          },
        ),
        params,
      );
    },
    timeoutMs,
  );
});
