/**
 * Renders a loyalty section to a PNG as the printer would print it, for store IT and marketing
 * to check a template before it reaches a till:
 *   npx tsx packages/receipt/src/preview-cli.ts --slip slip.json [--template template.json]
 *     [--profile TM-T20II] [--columns 48] [--width-dots 576] [--code-page CP866] --out preview.png
 * Also writes the text lines next to the PNG (`.txt`) and, with --escpos, the raw bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TillpointError } from '@tillpoint/core';
import { type CodePageName, codePageNames } from './code-page';
import { renderPreviewPng } from './preview';
import { renderSlip } from './render-slip';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

const { values } = parseArgs({
  options: {
    slip: { type: 'string' },
    template: { type: 'string' },
    profile: { type: 'string', default: 'TM-T20II' },
    columns: { type: 'string', default: '48' },
    'width-dots': { type: 'string' },
    'code-page': { type: 'string' },
    out: { type: 'string', default: 'preview.png' },
    escpos: { type: 'string' },
  },
});
if (values.slip === undefined)
  fail('--slip <file.json> is required (a LoyaltySlip, see packages/receipt/README.md)');
const columns = Number(values.columns);
const widthDots =
  values['width-dots'] === undefined ? (columns <= 32 ? 384 : 576) : Number(values['width-dots']);
const codePage = values['code-page'];
if (codePage !== undefined && !(codePageNames as readonly string[]).includes(codePage)) {
  fail(`--code-page must be one of ${codePageNames.join(', ')}`);
}

try {
  const slip = readJson(values.slip, 'slip') as Parameters<typeof renderSlip>[0];
  const template =
    values.template === undefined
      ? {}
      : (readJson(values.template, 'template') as Parameters<typeof renderSlip>[1]);
  const rendered = renderSlip(slip, template, {
    profile: values.profile,
    columns,
    widthDots,
    ...(codePage === undefined ? {} : { codePage: codePage as CodePageName }),
  });
  writeFileSync(values.out, renderPreviewPng(rendered.escpos, { widthDots, profile: values.profile }));
  writeFileSync(`${values.out.replace(/\.png$/i, '')}.txt`, `${rendered.text.join('\n')}\n`);
  if (values.escpos !== undefined) writeFileSync(values.escpos, rendered.escpos);
  console.log(
    `${values.out}: ${rendered.escpos.length} bytes of ESC/POS, ${rendered.codePage} (ESC t ${rendered.codePageNumber})`,
  );
} catch (error) {
  if (error instanceof TillpointError) fail(`${error.code}: ${error.message}`);
  throw error;
}
