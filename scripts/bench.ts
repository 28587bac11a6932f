/**
 * `pnpm bench [filter]`: runs every `packages/<name>/bench/*.bench.ts` and
 * `drivers/<name>/bench/*.bench.ts` (or those whose path contains the filter) and prints
 * one table: median, p99, rate, and the ratio against each row's named baseline.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchHarness, createHarness, formatTable } from './bench/harness';

const root = resolve(import.meta.dirname, '..');
const filter = process.argv[2];

const files = ['packages', 'drivers'].flatMap((top) =>
  readdirSync(join(root, top), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const dir = join(root, top, d.name, 'bench');
      try {
        return readdirSync(dir)
          .filter((f) => f.endsWith('.bench.ts'))
          .map((f) => join(dir, f));
      } catch {
        return [];
      }
    }),
);

const selected = files.filter((f) => filter === undefined || f.includes(filter));
const harness = createHarness();
console.log(`Tillpoint benchmarks on ${process.platform} ${process.arch}, Node ${process.version}`);
for (const file of selected) {
  console.error(`running ${file.slice(root.length + 1)} ...`);
  const mod = (await import(pathToFileURL(file).href)) as { default: (h: BenchHarness) => Promise<void> };
  await mod.default(harness);
}
console.log(formatTable(harness.rows, harness.figures));
