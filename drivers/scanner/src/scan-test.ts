import { type Clock, systemClock } from '@tillpoint/core';
import type { CardRange } from './card-range';
import { type CreateScannerDeps, createScanner } from './create-scanner';
import type { ScanEvent } from './scan-event';
import type { ScannerConfigInput } from './scanner-config';

/** How a scan reads in `scan-test`: time, symbology, AIM id, code, and what the card ranges make of it. */
export function formatScanLine(scan: ScanEvent): string {
  const time = new Date(scan.at).toISOString().slice(11, 23);
  const verdict =
    scan.card === undefined
      ? 'product (no card range matches)'
      : scan.card.kind === 'app_code'
        ? 'APP CODE (the buyer page’s rotating code)'
        : scan.card.kind === 'card'
          ? `CARD in range ${scan.card.range.name ?? scan.card.range.prefix}`
          : `MISREAD card: range ${scan.card.range.name ?? scan.card.range.prefix} but the ${scan.card.range.check} check digit is wrong`;
  return `${time} ${scan.symbology.padEnd(14)} ${(scan.aim ?? '---').padEnd(4)}${scan.code}  -> ${verdict}`;
}

export interface ScanTestDeps extends CreateScannerDeps {
  clock?: Clock;
}

/**
 * The store IT check: opens the configured scanner, prints every scan with its symbology and
 * card verdict, every error and state change, until `signal` aborts. Resolves with the number
 * of scans; rejects if the scanner cannot be claimed (the message says what to fix).
 */
export async function runScanTest(
  config: ScannerConfigInput,
  ranges: readonly CardRange[],
  out: (line: string) => void,
  signal: AbortSignal,
  deps: ScanTestDeps = {},
): Promise<number> {
  const scanner = createScanner(config, { ...deps, cardRanges: ranges, clock: deps.clock ?? systemClock });
  let scans = 0;
  scanner.on('scan', (scan) => {
    scans++;
    out(formatScanLine(scan));
  });
  scanner.on('error', (err) => out(`error ${err.code}: ${err.message}`));
  scanner.on('state', (s) =>
    out(`state ${s.lifecycle}/${s.power}${s.reason === undefined ? '' : ` (${s.reason})`}`),
  );
  try {
    await scanner.open();
    await scanner.claim();
    await scanner.enable();
    out(`ready: scan a card or a product on ${scanner.deviceId}; stop with Ctrl+C`);
    if (!signal.aborted)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    await scanner.close();
  }
  return scans;
}
