import { TillpointError } from '@tillpoint/core';

/** Stable codes of failures at the scanner edge; logs, the event stream and tests match on them. */
export const scannerErrorCodes = [
  'disconnected',
  'open_failed',
  'permission_denied',
  'not_found',
  'bad_frame',
  'illegal_state',
  'config_invalid',
] as const;
export type ScannerErrorCode = (typeof scannerErrorCodes)[number];

/** One error class for every scanner binding: `code` says what went wrong, `cause` keeps the OS error. */
export class ScannerError extends TillpointError<ScannerErrorCode> {}

/** Maps an OS error from opening a device to our code: EACCES/EPERM are permissions, ENOENT is absence. */
export function openErrorCode(cause: unknown): ScannerErrorCode {
  const text =
    cause instanceof Error ? `${(cause as NodeJS.ErrnoException).code ?? ''} ${cause.message}` : '';
  if (/EACCES|EPERM|permission denied/i.test(text)) return 'permission_denied';
  if (/ENOENT|no such file/i.test(text)) return 'not_found';
  return 'open_failed';
}
