import type { CardRange } from './card-range';
import type { LabelOptions } from './label';
import { ScanAssembler } from './scan-assembler';
import type { ScannerConfig } from './scanner-config';

/** Builds the label stage every binding shares from the options every config shares. */
export function assemblerFor(
  config: ScannerConfig,
  deviceId: string,
  cardRanges: readonly CardRange[],
): ScanAssembler {
  const label: LabelOptions = { detectAim: config.detectAim };
  if (config.prefix !== undefined) label.prefix = Uint8Array.from(Buffer.from(config.prefix, 'latin1'));
  return new ScanAssembler({
    deviceId,
    label,
    decodeData: config.decodeData,
    debounceMs: config.debounceMs,
    cardRanges,
  });
}

/** The id on scan events when the config names none. */
export function defaultDeviceId(config: ScannerConfig): string {
  if (config.id !== undefined) return config.id;
  const hex = (n: number | undefined) => (n === undefined ? '*' : n.toString(16).padStart(4, '0'));
  if (config.kind === 'serial') {
    const usb = `${hex(config.vendorId)}:${hex(config.productId)}:${config.serialNumber ?? '*'}`;
    return `serial:${config.byId ?? config.path ?? usb}`;
  }
  const usb = config.path ?? `${hex(config.vendorId)}:${hex(config.productId)}`;
  return `${config.kind}:${usb}${config.serialNumber === undefined ? '' : `:${config.serialNumber}`}`;
}
