import type { PrintQueue } from '@tillpoint/printer';
import type { SaleAnswer } from '@tillpoint/protocol';
import type { LoyaltySlip } from '@tillpoint/receipt';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import type { AgentEvents } from '../run/events';
import { buildSaleSlip, renderSaleSlip, type SaleSlipFacts } from './sale-slip';

/** What the ledger keeps with a committed sale: the POS's answer and the slip, for retries and reprints. */
export interface RecordedSale {
  sale: SaleAnswer;
  slip: LoyaltySlip | null;
}

/** The print job of a sale's own slip (one per receipt: a retried sale never prints twice). */
export function saleJobId(receiptId: string): string {
  return `sale:${receiptId}`;
}

/**
 * The loyalty slip of a sale: made inside the sale's transaction (so it is as durable as the
 * sale), rendered to ESC/POS once, queued under the job id the sale's answer named. A slip that
 * cannot be made or printed is logged and told to the page; it never fails a booked sale.
 */
export class SlipDesk {
  /** The last slip rendered (inside the sale's transaction), queued right after the commit. */
  private lastRendered: { receiptId: string; escpos: Uint8Array } | undefined;

  constructor(
    private readonly d: {
      config: AgentConfig;
      logger: Logger;
      events: AgentEvents;
      printQueue?: PrintQueue;
    },
  ) {}

  /** The slip, or null when it could not be made: the sale is booked either way. */
  make(input: SaleSlipFacts): LoyaltySlip | null {
    try {
      return buildSaleSlip(this.d.config, input);
    } catch (error) {
      this.failed(input.receiptId, error);
      return null;
    }
  }

  render(slip: LoyaltySlip): { escpos: Uint8Array; text: string[] } {
    try {
      const rendered = renderSaleSlip(this.d.config, slip);
      this.lastRendered = { receiptId: slip.receiptId, escpos: rendered.escpos };
      return rendered;
    } catch (error) {
      this.failed(slip.receiptId, error);
      return { escpos: new Uint8Array(), text: [] };
    }
  }

  /** Queues the sale's slip under the job id its answer named (a second call is a no-op). */
  queueSale(receiptId: string, recorded: RecordedSale): void {
    if (recorded.sale.printJobId === null || recorded.slip === null) return;
    const escpos =
      this.lastRendered?.receiptId === receiptId
        ? this.lastRendered.escpos
        : this.render(recorded.slip).escpos;
    this.lastRendered = undefined;
    if (escpos.length > 0) this.enqueue(recorded.sale.printJobId, escpos);
  }

  /** Queues bytes as a print job; null when no printer is configured or the queue refused it. */
  enqueue(jobId: string, bytes: Uint8Array): string | null {
    const queue = this.d.printQueue;
    if (queue === undefined) return null;
    const queued = queue.enqueue({ jobId, bytes });
    if (!queued.ok && queued.code !== 'job_conflict') {
      this.d.logger.warn({ code: queued.code, jobId }, queued.message);
      this.d.events.publish('printer', { state: queued.code, message: queued.message });
      return null;
    }
    return jobId;
  }

  private failed(receiptId: string, error: unknown): void {
    this.d.logger.error(
      { err: error, code: 'slip_failed', receiptId },
      'the sale is booked but its loyalty slip could not be made',
    );
  }
}
