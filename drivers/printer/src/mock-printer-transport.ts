import { PrinterError } from './printer-error';
import type { PrinterTransport } from './printer-transport';
import { StatusResponder, type VirtualCondition } from './status-responder';

/**
 * An in-memory printer for queue and agent tests: answers status as `condition` says, keeps
 * every job, and can be told to refuse connections or to break (or hang) in the middle of a write.
 */
export class MockPrinterTransport implements PrinterTransport {
  readonly description = 'mock';
  readonly answersStatus = true;
  condition: VirtualCondition = 'ok';
  /** `refuse`: connect fails; `break`: write fails; `hang`: write never finishes. */
  fault: 'none' | 'refuse' | 'break' | 'hang' = 'none';
  readonly jobs: Uint8Array[] = [];
  connects = 0;
  private responder: StatusResponder | undefined;

  async connect(): Promise<void> {
    if (this.fault === 'refuse') throw new PrinterError('disconnected', 'mock: connection refused');
    this.connects += 1;
    this.responder ??= new StatusResponder(() => this.condition);
  }

  async request(bytes: Uint8Array, responseLength: number): Promise<Uint8Array | undefined> {
    if (this.responder === undefined) throw new PrinterError('disconnected', 'mock: not connected');
    const answer = this.responder.receive(bytes);
    return answer.length >= responseLength ? answer.subarray(0, responseLength) : undefined;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.responder === undefined) throw new PrinterError('disconnected', 'mock: not connected');
    if (this.fault === 'break')
      throw new PrinterError('disconnected', 'mock: connection reset while sending');
    if (this.fault === 'hang') await new Promise(() => {});
    this.responder.receive(bytes);
  }

  async close(): Promise<void> {
    const job = this.responder?.jobBytes();
    if (job !== undefined && job.length > 0) this.jobs.push(job);
    this.responder = undefined;
  }
}
