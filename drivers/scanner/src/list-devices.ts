import { readdirSync, readlinkSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { type HidApi, type HidDeviceInfo, nodeHidApi } from './hid-device';
import type { ScannerConfigInput } from './scanner-config';
import { nodeSerialPortLister, type SerialPortInfo, serialByIdDir } from './serial-scanner';

/** USB vendor ids of scanner makers: a device from one of them is probably a scanner. */
export const scannerVendorIds: ReadonlyMap<number, string> = new Map([
  [0x0c2e, 'Honeywell (Metrologic)'],
  [0x0536, 'Honeywell (Hand Held Products)'],
  [0x05e0, 'Zebra (Symbol)'],
  [0x05f9, 'Datalogic'],
  [0x1eab, 'Newland'],
  [0x065a, 'Opticon'],
]);

const hidPosUsagePage = 0x8c;
const scannerWords =
  /honeywell|symbol|zebra|datalogic|newland|opticon|scanner|barcode|imager|voyager|xenon|granit/i;

export interface DeviceListing {
  transport: 'hid' | 'serial';
  path: string;
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  usagePage?: number;
  usage?: number;
  /** Serial: the stable name under /dev/serial/by-id, when there is one. */
  byId?: string;
  likelyScanner: boolean;
  /** Why it looks like a scanner (or what it looks like instead). */
  reason: string;
  /** A config to start from in `scan-test` or the agent's config file. */
  suggestedConfig?: ScannerConfigInput;
}

export interface ListDevicesDeps {
  hid?: HidApi;
  /** node-serialport's listing (shells out to `udevadm` on Linux). */
  listSerialPorts?: () => Promise<SerialPortInfo[]>;
  /** by-id name -> device path; the default reads /dev/serial/by-id. */
  readById?: () => Map<string, string>;
  /** Told about a source that could not be read (no udevadm, no libusb). */
  warn?: (message: string) => void;
}

function readByIdDir(): Map<string, string> {
  const links = new Map<string, string>();
  try {
    for (const name of readdirSync(serialByIdDir)) {
      links.set(name, resolve(serialByIdDir, readlinkSync(`${serialByIdDir}/${name}`)));
    }
  } catch {
    // no serial devices with ids, or not Linux
  }
  return links;
}

function hidListing(d: HidDeviceInfo): DeviceListing {
  const vendor = scannerVendorIds.get(d.vendorId);
  const pos = d.usagePage === hidPosUsagePage;
  const keyboard = d.usagePage === 0x01 && d.usage === 6;
  const reason = pos
    ? 'HID POS (usage page 0x8C): preferred mode'
    : vendor !== undefined
      ? `${vendor} vendor id${keyboard ? ', keyboard mode' : ''}`
      : keyboard
        ? 'a keyboard (a scanner in keyboard mode looks the same)'
        : 'HID device';
  const listing: DeviceListing = {
    transport: 'hid',
    path: d.path ?? '',
    vendorId: d.vendorId,
    productId: d.productId,
    likelyScanner:
      pos || vendor !== undefined || scannerWords.test(`${d.manufacturer ?? ''} ${d.product ?? ''}`),
    reason,
  };
  if (d.serialNumber) listing.serialNumber = d.serialNumber;
  if (d.manufacturer) listing.manufacturer = d.manufacturer;
  if (d.product) listing.product = d.product;
  if (d.usagePage !== undefined) listing.usagePage = d.usagePage;
  if (d.usage !== undefined) listing.usage = d.usage;
  if (listing.likelyScanner && (pos || keyboard)) {
    listing.suggestedConfig = {
      kind: pos ? 'hid-pos' : 'hid-keyboard',
      vendorId: d.vendorId,
      productId: d.productId,
      ...(d.serialNumber ? { serialNumber: d.serialNumber } : {}),
    };
  }
  return listing;
}

function serialListing(p: SerialPortInfo, byId: string | undefined): DeviceListing {
  const vendorId = p.vendorId === undefined ? undefined : Number.parseInt(p.vendorId, 16);
  const vendor = vendorId === undefined ? undefined : scannerVendorIds.get(vendorId);
  const words = scannerWords.test(`${p.manufacturer ?? ''} ${byId ?? ''} ${p.pnpId ?? ''}`);
  const listing: DeviceListing = {
    transport: 'serial',
    path: p.path,
    likelyScanner: vendor !== undefined || words,
    reason:
      vendor !== undefined ? `${vendor} vendor id` : words ? 'scanner maker in its name' : 'serial port',
  };
  if (vendorId !== undefined && Number.isFinite(vendorId)) listing.vendorId = vendorId;
  if (p.productId !== undefined) listing.productId = Number.parseInt(p.productId, 16);
  if (p.serialNumber) listing.serialNumber = p.serialNumber;
  if (p.manufacturer) listing.manufacturer = p.manufacturer;
  if (byId !== undefined) listing.byId = byId;
  listing.suggestedConfig = byId !== undefined ? { kind: 'serial', byId } : { kind: 'serial', path: p.path };
  return listing;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * HID and serial devices, marking the ones that look like scanners: usage page 0x8C, a
 * scanner maker's vendor id, or a maker's name in the by-id link. Sources that fail (no
 * `udevadm`, no libusb) are reported through `warn` and skipped: a caller that got a warning
 * must not say "no devices found" (the listing is incomplete) and should exit non-zero.
 */
export async function listDevices(deps: ListDevicesDeps = {}): Promise<DeviceListing[]> {
  const warn = deps.warn ?? (() => {});
  const out: DeviceListing[] = [];
  try {
    for (const d of (deps.hid ?? nodeHidApi).devices()) out.push(hidListing(d));
  } catch (err) {
    warn(
      `HID devices could not be listed (${errorText(err)}): install libusb-1.0-0 (node-hid needs it), then run this again`,
    );
  }
  const byId = (deps.readById ?? readByIdDir)();
  const byTarget = new Map([...byId].map(([name, target]) => [target, name]));
  let ports: SerialPortInfo[] = [];
  try {
    ports = await (deps.listSerialPorts ?? nodeSerialPortLister)();
  } catch (err) {
    warn(
      `serial ports could not be listed (${errorText(err)}): install udev (serialport lists ports with udevadm); only /dev/serial/by-id was read`,
    );
    ports = [...byId.values()].map((path) => ({ path }));
  }
  for (const p of ports) {
    const name = byTarget.get(p.path) ?? (p.pnpId !== undefined && byId.has(p.pnpId) ? p.pnpId : undefined);
    out.push(serialListing(p, name));
  }
  return out.sort(
    (a, b) => Number(b.likelyScanner) - Number(a.likelyScanner) || a.path.localeCompare(b.path),
  );
}

/** One line per device for people: `*` marks a likely scanner. */
export function formatDeviceListing(d: DeviceListing): string {
  const hex = (n: number | undefined) => (n === undefined ? '????' : n.toString(16).padStart(4, '0'));
  const name = [d.manufacturer, d.product].filter(Boolean).join(' ') || basename(d.path);
  const ids = `${hex(d.vendorId)}:${hex(d.productId)}`;
  const page = d.usagePage === undefined ? '' : ` page 0x${d.usagePage.toString(16)}`;
  const byId = d.byId === undefined ? '' : ` by-id ${d.byId}`;
  return `${d.likelyScanner ? '*' : ' '} ${d.transport.padEnd(6)} ${d.path.padEnd(16)} ${ids}${page} ${name}${byId} (${d.reason})`;
}
