import { TillpointError } from '@tillpoint/core';

/**
 * Why a printer cannot print now. `paper_near_end` is a warning (the job still prints);
 * the others hold the queue until the printer recovers.
 * - `offline`: the printer says it is offline (error, cover, paper, or feed button held)
 * - `cover_open`, `paper_out`, `paper_near_end`: from DLE EOT 2 / DLE EOT 4
 * - `no_response`: connected, but no answer to DLE EOT within the timeout
 * - `disconnected`: no connection (refused, unplugged, reset) or it broke while sending
 * - `open_failed`: the configured device or port cannot be opened at all
 */
export const printerErrorCodes = [
  'offline',
  'cover_open',
  'paper_out',
  'paper_near_end',
  'no_response',
  'disconnected',
  'open_failed',
] as const;
export type PrinterErrorCode = (typeof printerErrorCodes)[number];

export class PrinterError extends TillpointError<PrinterErrorCode> {}
