import { type Clock, systemClock } from '@tillpoint/core';
import { z } from 'zod';
import type { CardRange } from './card-range';
import type { HidApi } from './hid-device';
import { HidKeyboardScanner } from './hid-keyboard-scanner';
import { HidPosScanner } from './hid-pos-scanner';
import type { ScannerBinding } from './scanner-binding';
import { type ScannerConfig, type ScannerConfigInput, scannerConfigSchema } from './scanner-config';
import { ScannerError } from './scanner-error';
import {
  type SerialPortFactory,
  type SerialPortInfo,
  SerialScanner,
  type SerialScannerDeps,
} from './serial-scanner';

export interface CreateScannerDeps {
  clock?: Clock;
  cardRanges?: readonly CardRange[];
  hid?: HidApi;
  createPort?: SerialPortFactory;
  listSerialPorts?: () => Promise<SerialPortInfo[]>;
}

/** Validates a scanner config, naming every field to fix; throws `ScannerError('config_invalid')`. */
export function parseScannerConfig(input: unknown, source = 'scanner config'): ScannerConfig {
  const parsed = scannerConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ScannerError('config_invalid', `${source} is invalid:\n${z.prettifyError(parsed.error)}`, {
      context: { source },
    });
  }
  return parsed.data;
}

/** The binding for a config: serial, HID POS or HID keyboard. Opening is left to the caller. */
export function createScanner(
  config: ScannerConfigInput | ScannerConfig,
  deps: CreateScannerDeps = {},
): ScannerBinding {
  const parsed = parseScannerConfig(config);
  const common = { clock: deps.clock ?? systemClock, cardRanges: deps.cardRanges ?? [] };
  switch (parsed.kind) {
    case 'serial': {
      const serialDeps: SerialScannerDeps = { ...common };
      if (deps.createPort !== undefined) serialDeps.createPort = deps.createPort;
      if (deps.listSerialPorts !== undefined) serialDeps.listSerialPorts = deps.listSerialPorts;
      return new SerialScanner(parsed, serialDeps);
    }
    case 'hid-pos':
      return new HidPosScanner(parsed, deps.hid === undefined ? common : { ...common, hid: deps.hid });
    case 'hid-keyboard':
      return new HidKeyboardScanner(parsed, deps.hid === undefined ? common : { ...common, hid: deps.hid });
  }
}
