import { TillpointError } from '@tillpoint/core';
import { z } from 'zod';
import capabilities from '../profiles/capabilities.json' with { type: 'json' };
import type { CodePageName } from './code-page';

/**
 * A printer model as the encoder needs it, read from escpos-printer-db (CC BY 4.0, see
 * `profiles/SOURCE.md`): which `ESC t n` number selects each of our code pages on this model,
 * whether it prints QR (`GS ( k`) and barcodes (`GS k`) natively, raster images, cutting.
 */
export interface PrinterProfile {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  /** `ESC t n` numbers for the code pages we use; a page the model lacks is absent. */
  readonly codePages: Readonly<Partial<Record<CodePageName, number>>>;
  readonly features: {
    readonly qrCode: boolean;
    readonly barcode: boolean;
    readonly rasterImage: boolean;
    readonly partialCut: boolean;
    readonly fullCut: boolean;
  };
  /** Characters per line of font A and font B at the model's own paper width. */
  readonly fontColumns: { readonly a: number; readonly b: number };
  /** Printable width in dots when the database knows it. */
  readonly widthDots?: number;
}

const rawProfileSchema = z.object({
  codePages: z.record(z.string(), z.string()),
  features: z.object({
    barcodeB: z.boolean(),
    bitImageRaster: z.boolean(),
    paperFullCut: z.boolean(),
    paperPartCut: z.boolean(),
    qrCode: z.boolean(),
  }),
  fonts: z.record(z.string(), z.object({ columns: z.number().int().positive() })),
  media: z.object({ width: z.object({ pixels: z.union([z.number(), z.string()]).optional() }).optional() }),
  name: z.string(),
  vendor: z.string(),
});

const dbNames: Readonly<Record<string, CodePageName>> = { CP866: 'CP866', CP1251: 'CP1251', CP437: 'CP437' };

let cache: ReadonlyMap<string, PrinterProfile> | undefined;

function profiles(): ReadonlyMap<string, PrinterProfile> {
  if (cache !== undefined) return cache;
  const raw = (capabilities as { profiles: Record<string, unknown> }).profiles;
  const map = new Map<string, PrinterProfile>();
  for (const [id, value] of Object.entries(raw)) {
    const parsed = rawProfileSchema.safeParse(value);
    if (!parsed.success) continue; // a profile we cannot read is one we do not offer
    map.set(id, toProfile(id, parsed.data));
  }
  cache = map;
  return map;
}

function toProfile(id: string, raw: z.infer<typeof rawProfileSchema>): PrinterProfile {
  const codePages: Partial<Record<CodePageName, number>> = {};
  // Lowest number wins when a model lists a page twice (NT-5890K: CP866 at 17 and 59).
  const entries = Object.entries(raw.codePages).sort(([a], [b]) => Number(a) - Number(b));
  for (const [number, dbName] of entries) {
    const name = dbNames[dbName];
    if (name !== undefined && codePages[name] === undefined) codePages[name] = Number(number);
  }
  const pixels = raw.media.width?.pixels;
  return {
    id,
    name: raw.name,
    vendor: raw.vendor,
    codePages,
    features: {
      qrCode: raw.features.qrCode,
      barcode: raw.features.barcodeB,
      rasterImage: raw.features.bitImageRaster,
      partialCut: raw.features.paperPartCut,
      fullCut: raw.features.paperFullCut,
    },
    fontColumns: { a: raw.fonts['0']?.columns ?? 42, b: raw.fonts['1']?.columns ?? 56 },
    ...(typeof pixels === 'number' ? { widthDots: pixels } : {}),
  };
}

/** The profile named in config (`TM-T20II`, `TSP600`, `RP326`, ...). */
export function getPrinterProfile(name: string): PrinterProfile {
  const profile = profiles().get(name);
  if (profile === undefined) {
    throw new TillpointError('unknown_printer_profile', `no printer profile named "${name}"`, {
      context: { name, known: listPrinterProfiles() },
    });
  }
  return profile;
}

export function listPrinterProfiles(): string[] {
  return [...profiles().keys()].sort();
}
