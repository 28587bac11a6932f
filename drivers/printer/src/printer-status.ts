import { PrinterError } from './printer-error';

/**
 * Real-time status (DLE EOT n). Every status byte has bits 1 and 4 set and bits 0 and 7
 * clear ((b & 0x93) === 0x12); anything else is not a status answer.
 * - DLE EOT 1, printer status: bit 3 = offline
 * - DLE EOT 2, offline cause: bit 2 = cover open, bit 3 = paper fed by the button,
 *   bit 5 = printing stopped by paper end, bit 6 = error
 * - DLE EOT 4, roll paper sensor: bits 2-3 = paper near end, bits 5-6 = paper end
 */
export const statusRequests = { printer: 1, offlineCause: 2, paper: 4 } as const;

export interface PrinterStatus {
  online: boolean;
  coverOpen: boolean;
  paperOut: boolean;
  paperNearEnd: boolean;
  error: boolean;
  /** The three bytes as answered, for logs. */
  raw: { printer: number; offlineCause: number; paper: number };
}

export function isStatusByte(value: number): boolean {
  return (value & 0x93) === 0x12;
}

export function parseStatus(printer: number, offlineCause: number, paper: number): PrinterStatus {
  for (const [name, value] of Object.entries({ printer, offlineCause, paper })) {
    if (!isStatusByte(value)) {
      throw new PrinterError(
        'no_response',
        `the answer to the ${name} status request is not a status byte (0x${value.toString(16)})`,
        {
          context: { name, value },
        },
      );
    }
  }
  return {
    online: (printer & 0x08) === 0,
    coverOpen: (offlineCause & 0x04) !== 0,
    paperOut: (offlineCause & 0x20) !== 0 || (paper & 0x60) !== 0,
    paperNearEnd: (paper & 0x0c) !== 0,
    error: (offlineCause & 0x40) !== 0,
    raw: { printer, offlineCause, paper },
  };
}

/** The condition that stops printing, most specific first; `undefined` when the printer can print. */
export function blockingProblem(status: PrinterStatus): 'cover_open' | 'paper_out' | 'offline' | undefined {
  if (status.coverOpen) return 'cover_open';
  if (status.paperOut) return 'paper_out';
  if (!status.online || status.error) return 'offline';
  return undefined;
}

/** What a printer in `condition` answers to DLE EOT n (the virtual printer and tests use it). */
export type SimulatedCondition = 'ok' | 'paper_near_end' | 'paper_out' | 'cover_open' | 'offline';

export function simulatedStatusByte(condition: SimulatedCondition, request: number): number | undefined {
  const base = 0x12;
  const stopped = condition === 'paper_out' || condition === 'cover_open' || condition === 'offline';
  switch (request) {
    case 1:
      return base | (stopped ? 0x08 : 0);
    case 2:
      return (
        base |
        (condition === 'cover_open' ? 0x04 : 0) |
        (condition === 'paper_out' ? 0x20 : 0) |
        (condition === 'offline' ? 0x40 : 0)
      );
    case 3:
      return base;
    case 4:
      return base | (condition === 'paper_near_end' ? 0x0c : 0) | (condition === 'paper_out' ? 0x60 : 0);
    default:
      return undefined;
  }
}
