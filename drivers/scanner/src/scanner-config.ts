import { z } from 'zod';
import { keyboardSuffixes } from './hid-keyboard-decoder';
import { honeywellHidPosLayout } from './hid-pos-decoder';
import { keyboardLayouts } from './keyboard-layouts';
import { serialSuffixes } from './serial-frame-decoder';

const usbId = z.number().int().min(0).max(0xffff);
const ms = (max: number) => z.number().int().min(0).max(max);

/** Options every kind of scanner shares, with their defaults. */
const common = {
  /** The device id on scan events; defaults to one built from the path or the USB ids. */
  id: z.string().min(1).max(128).optional(),
  /** Text the scanner is programmed to send before each label (removed when present). */
  prefix: z.string().min(1).max(16).optional(),
  /** Read a leading `]Xn` as an AIM symbology id. */
  detectAim: z.boolean().default(true),
  /** false: deliver frames untouched, symbology `unknown` (UnifiedPOS DecodeData = false). */
  decodeData: z.boolean().default(true),
  /** The same code again within this window is dropped. */
  debounceMs: ms(60_000).default(500),
  /** The longest label kept; a longer one is dropped with a `bad_frame` error. */
  frameBytesMax: z.number().int().min(16).max(65_536).default(4096),
  /** Wait before the first reconnect after an unplug; doubles up to `reconnectMaxMs`. */
  reconnectMinMs: z.number().int().min(1).max(60_000).default(250),
  reconnectMaxMs: z.number().int().min(1).max(600_000).default(10_000),
};

/** USB identity of a HID scanner: it is found again by these after an unplug. */
const hidMatch = {
  /** An explicit hidraw path (`/dev/hidraw3`); changes on replug, so prefer the ids. */
  path: z.string().min(1).max(4096).optional(),
  vendorId: usbId.optional(),
  productId: usbId.optional(),
  serialNumber: z.string().min(1).max(128).optional(),
};

export const serialScannerConfigSchema = z
  .strictObject({
    kind: z.literal('serial'),
    ...common,
    /** An explicit device path (`/dev/ttyACM0`, `COM3`, a socat link). */
    path: z.string().min(1).max(4096).optional(),
    /** A name under `/dev/serial/by-id/`: stays the same when ttyACM0 comes back as ttyACM1. */
    byId: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/]+$/, 'a file name under /dev/serial/by-id, without slashes')
      .optional(),
    /**
     * Or the USB identity of a USB-CDC scanner, matched against the port listing on every
     * (re)connect (needs `udevadm` on Linux; on Windows this is how a COM port is found again).
     */
    vendorId: usbId.optional(),
    productId: usbId.optional(),
    serialNumber: z.string().min(1).max(128).optional(),
    baudRate: z.number().int().min(300).max(4_000_000).default(9600),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    /** How a label ends: `any` accepts CR, LF, CR LF or Tab; `none` relies on `idleTimeoutMs`. */
    suffix: z.enum(serialSuffixes).default('any'),
    /** Inter-byte silence that ends a frame when `suffix` is `none`. */
    idleTimeoutMs: ms(10_000).default(50),
    /**
     * With a suffix: a partial frame this old is dropped (a scan cut by an unplug must not glue
     * onto the next one). Long, so a stalled event loop never cuts a frame that is still arriving.
     */
    partialFrameTimeoutMs: ms(60_000).default(1000),
    /**
     * How often the device node is checked while open. An unplug removes it; this catches the
     * unplugs serialport misses (a read in flight when a pty hangs up returns 0 bytes forever).
     */
    presenceCheckMs: z.number().int().min(10).max(60_000).default(250),
  })
  .refine(
    (c) => {
      const usb = c.vendorId !== undefined || c.productId !== undefined || c.serialNumber !== undefined;
      return [c.path !== undefined, c.byId !== undefined, usb].filter(Boolean).length === 1;
    },
    {
      message:
        'give exactly one of "path", "byId", or a USB identity ("serialNumber", "vendorId", "productId")',
      path: ['path'],
    },
  );

export const hidPosScannerConfigSchema = z.strictObject({
  kind: z.literal('hid-pos'),
  ...common,
  ...hidMatch,
  /** HID POS scanners report on the Bar Code Scanner page. */
  usagePage: usbId.default(0x8c),
  /** Send Honeywell's feature report (id 0xFE, value 1) that switches HID POS output on. */
  honeywellEnable: z.boolean().default(true),
  /** Report layout; the defaults are Honeywell's (data at byte 5). */
  reportLayout: z
    .strictObject({
      reportId: z.number().int().min(0).max(255).default(honeywellHidPosLayout.reportId),
      reportBytes: z.number().int().min(8).max(1024).default(honeywellHidPosLayout.reportBytes),
      lengthOffset: z.number().int().min(0).max(1023).default(honeywellHidPosLayout.lengthOffset),
      aimOffset: z.number().int().min(0).max(1023).default(honeywellHidPosLayout.aimOffset),
      dataOffset: z.number().int().min(1).max(1023).default(honeywellHidPosLayout.dataOffset),
      codeIdOffset: z.number().int().min(-1).max(1023).default(honeywellHidPosLayout.codeIdOffset),
      flagsOffset: z.number().int().min(1).max(1023).default(honeywellHidPosLayout.flagsOffset),
      moreFlagMask: z.number().int().min(1).max(255).default(honeywellHidPosLayout.moreFlagMask),
    })
    .default({ ...honeywellHidPosLayout }),
  /** Silence after a report that promised a continuation: the partial label is dropped. */
  idleTimeoutMs: ms(10_000).default(500),
});

export const hidKeyboardScannerConfigSchema = z.strictObject({
  kind: z.literal('hid-keyboard'),
  ...common,
  ...hidMatch,
  /** Generic Desktop page: keyboards (usage 6) live here. */
  usagePage: usbId.default(0x01),
  /** The keyboard layout the scanner is programmed for. */
  layout: z.enum(keyboardLayouts).default('us'),
  suffix: z.enum(keyboardSuffixes).default('enter-or-tab'),
  /** Silence that ends a label when `suffix` is `none`. */
  idleTimeoutMs: ms(10_000).default(100),
  /** With a suffix key: a partial label this old is dropped. */
  partialFrameTimeoutMs: ms(60_000).default(1000),
  /** Set when the device prefixes its keyboard reports with a report id. */
  reportId: z.number().int().min(1).max(255).optional(),
});

export const scannerConfigSchema = z.discriminatedUnion('kind', [
  serialScannerConfigSchema,
  hidPosScannerConfigSchema,
  hidKeyboardScannerConfigSchema,
]);

export type ScannerConfig = z.infer<typeof scannerConfigSchema>;
export type ScannerConfigInput = z.input<typeof scannerConfigSchema>;
export type SerialScannerConfig = z.infer<typeof serialScannerConfigSchema>;
export type HidPosScannerConfig = z.infer<typeof hidPosScannerConfigSchema>;
export type HidKeyboardScannerConfig = z.infer<typeof hidKeyboardScannerConfigSchema>;
