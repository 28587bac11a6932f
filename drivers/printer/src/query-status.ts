import { PrinterError } from './printer-error';
import { type PrinterStatus, parseStatus, statusRequests } from './printer-status';
import type { PrinterTransport } from './printer-transport';

/** DLE EOT 1, 2 and 4 in turn; `no_response` if any goes unanswered within `timeoutMs`. */
export async function queryStatus(transport: PrinterTransport, timeoutMs = 1000): Promise<PrinterStatus> {
  const answers: number[] = [];
  for (const n of [statusRequests.printer, statusRequests.offlineCause, statusRequests.paper]) {
    const answer = await transport.request(Uint8Array.of(0x10, 0x04, n), 1, timeoutMs);
    const value = answer?.[0];
    if (value === undefined) {
      throw new PrinterError(
        'no_response',
        `${transport.description} did not answer DLE EOT ${n} within ${timeoutMs} ms`,
        {
          context: { request: n, timeoutMs },
        },
      );
    }
    answers.push(value);
  }
  const [printer = 0, offlineCause = 0, paper = 0] = answers;
  return parseStatus(printer, offlineCause, paper);
}
