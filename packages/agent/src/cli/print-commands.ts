import { readFileSync, writeFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { createTransport, type PrinterConfig, queryStatus } from '@tillpoint/printer';
import {
  type CodePageName,
  codePageNames,
  getPrinterProfile,
  type LoyaltySlipInput,
  listPrinterProfiles,
  type PrinterProfile,
  renderPreviewPng,
  renderSlip,
} from '@tillpoint/receipt';

/** One printer profile as `tillpoint printers` shows it. */
export interface ProfileListing {
  id: string;
  name: string;
  vendor: string;
  cyrillic: CodePageName[];
  qrCode: boolean;
  barcode: boolean;
  columns: number;
}

export function profileListings(): ProfileListing[] {
  return listPrinterProfiles().map((id) => toListing(getPrinterProfile(id)));
}

function toListing(p: PrinterProfile): ProfileListing {
  return {
    id: p.id,
    name: p.name,
    vendor: p.vendor,
    cyrillic: (['CP866', 'CP1251'] as const).filter((c) => p.codePages[c] !== undefined),
    qrCode: p.features.qrCode,
    barcode: p.features.barcode,
    columns: p.fontColumns.a,
  };
}

export function formatProfileListing(p: ProfileListing): string {
  const cyr = p.cyrillic.length === 0 ? 'no Cyrillic page' : p.cyrillic.join('/');
  const codes =
    [p.qrCode ? 'QR' : '', p.barcode ? 'barcodes' : ''].filter(Boolean).join('+') || 'codes as images';
  return `${p.id.padEnd(22)} ${`${p.vendor} ${p.name}`.slice(0, 40).padEnd(40)} ${String(p.columns).padStart(2)} col  ${cyr}, ${codes}`;
}

/** A slip that shows what matters on a new printer: both languages' letters, amounts, a barcode. */
export function testSlip(language: 'en' | 'ru', storeName: string | undefined, at: Date): LoyaltySlipInput {
  return {
    language,
    currency: 'RUB',
    cardMasked: '**** 0015',
    earnedPoints: 12,
    spentPoints: 0,
    spentValueMinor: 0,
    earnedReason: language === 'ru' ? 'Проверка печати: ёЁ йЙ щЩ ъЪ' : 'Print test: the printer works',
    balancePoints: 1234,
    offer: {
      text:
        language === 'ru'
          ? 'Тестовый купон: штрихкод ниже должен читаться'
          : 'Test coupon: the barcode below must scan',
      coupon: { code: '4006381333931', symbology: 'ean13' },
    },
    receiptId: 'PRINT-TEST',
    at: at.toISOString(),
    storeName: storeName ?? 'Tillpoint print test',
  };
}

function renderFor(
  printer: Pick<PrinterConfig, 'profile' | 'columns' | 'widthDots' | 'codePage'>,
  slip: LoyaltySlipInput,
) {
  return renderSlip(
    slip,
    {},
    {
      profile: printer.profile,
      columns: printer.columns,
      widthDots: printer.widthDots ?? (printer.columns === 32 ? 384 : 576),
      ...(printer.codePage === undefined ? {} : { codePage: printer.codePage }),
    },
  );
}

/**
 * Prints a test slip on the configured printer: status first (DLE EOT) when the printer
 * answers it, then the slip. Throws a `PrinterError` (with its code) when it cannot print.
 */
export async function printTestSlip(
  printer: PrinterConfig,
  slip: LoyaltySlipInput,
  say: (line: string) => void,
): Promise<void> {
  getPrinterProfile(printer.profile);
  const rendered = renderFor(printer, slip);
  const transport = createTransport(printer);
  try {
    await transport.connect();
    if (transport.answersStatus) {
      const status = await queryStatus(transport, 1500);
      const problems = Object.entries(status)
        .filter(([, v]) => v === true)
        .map(([k]) => k);
      if (problems.length > 0)
        throw new TillpointError(
          'printer_not_ready',
          `${transport.description}: ${problems.join(', ')}: fix it, then print the test again`,
        );
      say(`${transport.description}: ready`);
    }
    await transport.write(rendered.escpos);
    say(
      `sent a test slip (${rendered.escpos.length} bytes, ${rendered.codePage}, ${printer.columns} columns) to ${transport.description}`,
    );
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** `tillpoint preview`: a slip file rendered to PNG (+ .txt, and the ESC/POS bytes on request). */
export function previewSlip(o: {
  slip: string;
  template?: string;
  profile: string;
  columns: number;
  widthDots?: number;
  codePage?: string;
  out: string;
  escpos?: string;
}): string {
  if (o.codePage !== undefined && !(codePageNames as readonly string[]).includes(o.codePage))
    throw new TillpointError(
      'invalid_option',
      `--code-page: "${o.codePage}" is not one of ${codePageNames.join(', ')}`,
    );
  const widthDots = o.widthDots ?? (o.columns <= 32 ? 384 : 576);
  const rendered = renderSlip(
    readJson(o.slip, '--slip'),
    o.template === undefined ? {} : readJson(o.template, '--template'),
    {
      profile: o.profile,
      columns: o.columns,
      widthDots,
      ...(o.codePage === undefined ? {} : { codePage: o.codePage as CodePageName }),
    },
  );
  writeFileSync(o.out, renderPreviewPng(rendered.escpos, { widthDots, profile: o.profile }));
  writeFileSync(`${o.out.replace(/\.png$/i, '')}.txt`, `${rendered.text.join('\n')}\n`);
  if (o.escpos !== undefined) writeFileSync(o.escpos, rendered.escpos);
  return `${o.out}: ${rendered.escpos.length} bytes of ESC/POS, ${rendered.codePage} (ESC t ${rendered.codePageNumber})`;
}

function readJson<T>(file: string, option: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TillpointError(
      'file_unreadable',
      `${option}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TillpointError(
      'invalid_json',
      `${option}: ${file} is not valid JSON (${(error as Error).message})`,
    );
  }
}
