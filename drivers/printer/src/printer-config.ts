import { z } from 'zod';
import { DeviceFilePrinter } from './device-file-printer';
import type { PrinterTransport } from './printer-transport';
import { SerialPrinter } from './serial-printer';
import { TcpPrinter } from './tcp-printer';

const common = {
  /** A profile name from escpos-printer-db (`TM-T20II`, `TSP600`, `RP326`...): see @tillpoint/receipt. */
  profile: z.string().min(1).max(64),
  /** Characters per line: 32 for 58 mm paper, 42 or 48 for 80 mm. */
  columns: z.union([z.literal(32), z.literal(42), z.literal(48)]),
  /** Printable width in dots: 384 (58 mm) or 576 (80 mm). Default from the columns. */
  widthDots: z.union([z.literal(384), z.literal(512), z.literal(576)]).optional(),
  /** Force a Cyrillic code page; default: CP866 when the profile has it. */
  codePage: z.enum(['CP866', 'CP1251', 'CP437']).optional(),
};

/** The `printer` section of the agent config, discriminated by transport. */
export const printerConfigSchema = z.discriminatedUnion('transport', [
  z.strictObject({
    transport: z.literal('tcp'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(9100),
    ...common,
  }),
  z.strictObject({
    transport: z.literal('serial'),
    path: z.string().min(1).max(256),
    baudRate: z
      .union([z.literal(9600), z.literal(19200), z.literal(38400), z.literal(57600), z.literal(115200)])
      .default(19200),
    ...common,
  }),
  z.strictObject({
    transport: z.literal('file'),
    path: z.string().regex(/^\//, 'an absolute device path such as /dev/usb/lp0'),
    status: z.enum(['query', 'none']).default('query'),
    ...common,
  }),
]);
export type PrinterConfig = z.infer<typeof printerConfigSchema>;
export type PrinterConfigInput = z.input<typeof printerConfigSchema>;

export function createTransport(config: PrinterConfig): PrinterTransport {
  switch (config.transport) {
    case 'tcp':
      return new TcpPrinter({ host: config.host, port: config.port });
    case 'serial':
      return new SerialPrinter({ path: config.path, baudRate: config.baudRate });
    case 'file':
      return new DeviceFilePrinter({ path: config.path, status: config.status });
  }
}
