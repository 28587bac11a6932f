import { TillpointError } from '@tillpoint/core';
import { z } from 'zod';
import { type CodePageName, codePageNames, toPrintable } from './code-page';
import { chooseCodePage, renderEscpos } from './escpos-target';
import { buildLayout, type Layout, type LayoutNode } from './layout';
import { getPrinterProfile, type PrinterProfile } from './printer-profile';
import { type LoyaltySlipInput, loyaltySlipSchema } from './slip-schema';
import { type ReceiptTemplateInput, receiptTemplateSchema } from './template-schema';
import { renderTextLines } from './text-target';

export interface RenderOptions {
  /** A profile from `getPrinterProfile`, or its name (`TM-T20II`, `TSP600`, `RP326`...). */
  profile: PrinterProfile | string;
  /** Characters per line: 32 (58 mm), 42 or 48 (80 mm). */
  columns: number;
  /** Printable width in dots: 384 (58 mm) or 576 (80 mm) at 203 dpi. */
  widthDots: number;
  /** Cyrillic code page to use; default: CP866 if the profile has it, else WPC1251, else CP437. */
  codePage?: CodePageName;
}

export interface RenderedSlip {
  /** Bytes to send to the printer as they are. */
  escpos: Uint8Array;
  /** The same section as text lines (after code-page fallbacks, so both say the same). */
  text: string[];
  /** The code page the bytes are in, and its `ESC t` number on this profile. */
  codePage: CodePageName;
  codePageNumber: number;
}

const renderOptionsSchema = z.strictObject({
  columns: z.number().int().min(16, 'columns must be at least 16').max(64, 'columns must be at most 64'),
  widthDots: z
    .number()
    .int()
    .min(128, 'widthDots must be at least 128')
    .max(832, 'widthDots must be at most 832'),
  codePage: z.enum(codePageNames).optional(),
});

function invalid(what: string, error: z.ZodError): TillpointError {
  return new TillpointError(`invalid_${what}`, `invalid ${what}:\n${z.prettifyError(error)}`, {
    context: { issues: error.issues },
  });
}

/**
 * One loyalty section, rendered for one printer: ESC/POS bytes and text lines. Pure: the same
 * slip, template and options always give the same bytes (the golden files rely on it).
 */
export function renderSlip(
  slip: LoyaltySlipInput,
  template: ReceiptTemplateInput,
  options: RenderOptions,
): RenderedSlip {
  const parsedSlip = loyaltySlipSchema.safeParse(slip);
  if (!parsedSlip.success) throw invalid('slip', parsedSlip.error);
  const parsedTemplate = receiptTemplateSchema.safeParse(template);
  if (!parsedTemplate.success) throw invalid('template', parsedTemplate.error);
  const { profile: profileOrName, ...rest } = options;
  const parsedOptions = renderOptionsSchema.safeParse(rest);
  if (!parsedOptions.success) throw invalid('render_options', parsedOptions.error);
  const profile = typeof profileOrName === 'string' ? getPrinterProfile(profileOrName) : profileOrName;
  const { codePage, number } = chooseCodePage(profile, parsedOptions.data.codePage);

  const layout = printableLayout(buildLayout(parsedSlip.data, parsedTemplate.data), codePage);
  const escpos = renderEscpos(layout, {
    profile,
    columns: parsedOptions.data.columns,
    widthDots: parsedOptions.data.widthDots,
    codePage,
    codes: parsedTemplate.data.codes,
    feedLines: parsedTemplate.data.feedLines,
    cut: parsedTemplate.data.cut,
  });
  return {
    escpos,
    text: renderTextLines(layout, parsedOptions.data.columns),
    codePage,
    codePageNumber: number,
  };
}

/**
 * The section as text only, for POS software and fiscal printers that take Unicode text: no
 * printer profile, and ₽, «» and the rest kept as they are unless `codePage` asks for fallbacks.
 */
export function renderSlipText(
  slip: LoyaltySlipInput,
  template: ReceiptTemplateInput,
  options: { columns: number; codePage?: CodePageName },
): string[] {
  const parsedSlip = loyaltySlipSchema.safeParse(slip);
  if (!parsedSlip.success) throw invalid('slip', parsedSlip.error);
  const parsedTemplate = receiptTemplateSchema.safeParse(template);
  if (!parsedTemplate.success) throw invalid('template', parsedTemplate.error);
  const parsedOptions = renderOptionsSchema.pick({ columns: true, codePage: true }).safeParse(options);
  if (!parsedOptions.success) throw invalid('render_options', parsedOptions.error);
  const layout = buildLayout(parsedSlip.data, parsedTemplate.data);
  const { codePage } = parsedOptions.data;
  return renderTextLines(
    codePage === undefined ? layout : printableLayout(layout, codePage),
    parsedOptions.data.columns,
  );
}

/** Every string of the layout rewritten into characters `codePage` has (₽ -> "руб."/"RUB"...). */
export function printableLayout(layout: Layout, codePage: CodePageName): Layout {
  const p = (text: string) => toPrintable(text, codePage, layout.language);
  const nodes = layout.nodes.map((node): LayoutNode => {
    switch (node.kind) {
      case 'text':
        return { ...node, text: p(node.text) };
      case 'pair':
        return { ...node, left: p(node.left), right: p(node.right) };
      default:
        return node;
    }
  });
  return { language: layout.language, nodes };
}
