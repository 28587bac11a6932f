import { type SimulatedCondition, simulatedStatusByte } from './printer-status';

/**
 * The printer side of a connection, for the virtual printer and device tests: answers
 * DLE EOT n as `condition()` says (or not at all when silent) and keeps the job bytes.
 * Status requests are recognised only before the first job byte of a connection, which is
 * how our transports talk (status first, then the job); inside a job, 10 04 is just data
 * (raster images contain it).
 */
export type VirtualCondition = SimulatedCondition | 'silent';

export class StatusResponder {
  private pending: number[] = [];
  private inJob = false;
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  readonly statusRequests: number[] = [];

  constructor(
    private readonly condition: () => VirtualCondition,
    private readonly bytesMax = 16 * 1024 * 1024,
  ) {}

  /** Feeds received bytes; returns the bytes to answer with (possibly none). */
  receive(data: Uint8Array): Uint8Array {
    const answers: number[] = [];
    for (const byte of data) {
      if (this.inJob) {
        this.keep([byte]);
        continue;
      }
      this.pending.push(byte);
      const [a, b, n] = this.pending;
      if (a !== 0x10 || (b !== undefined && b !== 0x04)) {
        this.inJob = true;
        this.keep(this.pending);
        this.pending = [];
      } else if (n !== undefined) {
        this.pending = [];
        this.statusRequests.push(n);
        const condition = this.condition();
        const answer = condition === 'silent' ? undefined : simulatedStatusByte(condition, n);
        if (answer !== undefined) answers.push(answer);
      }
    }
    return Uint8Array.from(answers);
  }

  private keep(bytes: readonly number[] | Uint8Array): void {
    if (this.size + bytes.length > this.bytesMax) return; // bounded: a runaway sender is truncated
    this.chunks.push(Uint8Array.from(bytes));
    this.size += bytes.length;
  }

  /** The job bytes received so far (status requests excluded). */
  jobBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
