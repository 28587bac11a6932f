/**
 * Regenerates the receipt golden files in `fixtures/receipts/` (`.escpos.hex` and `.txt`) from
 * the cases in `packages/receipt/test/golden-cases.ts`. Review the diff before committing:
 * `npx tsx scripts/regenerate-receipts.ts && git diff fixtures/receipts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { goldenCases } from '../packages/receipt/test/golden-cases';
import {
  goldenPaths,
  receiptFixturesDir,
  renderGolden,
  toHexLines,
  toTextFile,
} from '../packages/receipt/test/golden-files';

mkdirSync(receiptFixturesDir, { recursive: true });
for (const c of goldenCases) {
  const rendered = renderGolden(c);
  const paths = goldenPaths(c);
  writeFileSync(paths.hex, toHexLines(rendered.escpos));
  writeFileSync(paths.txt, toTextFile(rendered.text));
  console.log(
    `${c.name}: ${rendered.escpos.length} bytes, ${rendered.codePage} (ESC t ${rendered.codePageNumber})`,
  );
}
