/**
 * A small benchmark harness: every `bench/*.bench.ts` in a package or driver default-exports
 * a function that receives a `BenchHarness` and records rows. Each row is timed per call
 * (process.hrtime), so the table shows the median and the p99, not just a mean; a row may
 * name a baseline row of the same group, and the table prints the ratio against it.
 * Benchmarks report numbers; they assert nothing.
 */
export interface BenchOptions {
  /** Timed calls; default 1000. */
  iterations?: number;
  /** Untimed calls first, to warm up the JIT and caches; default iterations / 10. */
  warmup?: number;
  /** The name of a row in the same group this one is compared with. */
  baseline?: string;
  /** Shown beside the row, e.g. "target p99 < 1 ms". */
  note?: string;
}

export interface BenchRow {
  group: string;
  name: string;
  samples: number;
  medianMs: number;
  p99Ms: number;
  /** Calls per second, from the median. */
  perSecond: number;
  baseline?: string;
  note?: string;
}

export interface BenchHarness {
  /** Times `fn` call by call. */
  time(group: string, name: string, fn: () => unknown, options?: BenchOptions): Promise<BenchRow>;
  /** Records samples measured elsewhere (another process, a device), in milliseconds. */
  record(
    group: string,
    name: string,
    samplesMs: number[],
    options?: Omit<BenchOptions, 'iterations' | 'warmup'>,
  ): BenchRow;
  /** Records a figure that is not a latency (memory, throughput), printed as a line of its own. */
  figure(group: string, name: string, value: string): void;
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[rank] ?? Number.NaN;
}

export function createHarness(): BenchHarness & {
  rows: BenchRow[];
  figures: { group: string; name: string; value: string }[];
} {
  const rows: BenchRow[] = [];
  const figures: { group: string; name: string; value: string }[] = [];

  function toRow(group: string, name: string, samplesMs: number[], options: BenchOptions): BenchRow {
    const sorted = [...samplesMs].sort((a, b) => a - b);
    const medianMs = percentile(sorted, 50);
    const row: BenchRow = {
      group,
      name,
      samples: sorted.length,
      medianMs,
      p99Ms: percentile(sorted, 99),
      perSecond: medianMs > 0 ? 1000 / medianMs : Number.POSITIVE_INFINITY,
      ...(options.baseline === undefined ? {} : { baseline: options.baseline }),
      ...(options.note === undefined ? {} : { note: options.note }),
    };
    rows.push(row);
    return row;
  }

  return {
    rows,
    figures,
    async time(group, name, fn, options = {}) {
      const iterations = options.iterations ?? 1000;
      const warmup = options.warmup ?? Math.ceil(iterations / 10);
      for (let i = 0; i < warmup; i++) await fn();
      const samples: number[] = new Array(iterations);
      for (let i = 0; i < iterations; i++) {
        const start = process.hrtime.bigint();
        const result = fn();
        if (result instanceof Promise) await result;
        samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
      }
      return toRow(group, name, samples, options);
    },
    record(group, name, samplesMs, options = {}) {
      return toRow(group, name, samplesMs, options);
    },
    figure(group, name, value) {
      figures.push({ group, name, value });
    },
  };
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0.01) return `${(ms * 1000).toFixed(2)} µs`;
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  return `${ms.toFixed(2)} ms`;
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  return perSecond >= 1000
    ? `${Math.round(perSecond).toLocaleString('en-US')}/s`
    : `${perSecond.toFixed(1)}/s`;
}

/** The table `pnpm bench` prints: one block per group. */
export function formatTable(
  rows: readonly BenchRow[],
  figures: readonly { group: string; name: string; value: string }[],
): string {
  const groups = [...new Set([...rows.map((r) => r.group), ...figures.map((f) => f.group)])];
  const out: string[] = [];
  for (const group of groups) {
    const groupRows = rows.filter((r) => r.group === group);
    const header = ['case', 'n', 'median', 'p99', 'rate (median)', 'vs baseline', 'note'];
    const lines = groupRows.map((row) => {
      const base = row.baseline === undefined ? undefined : groupRows.find((r) => r.name === row.baseline);
      const ratio = base === undefined ? '' : `${(row.medianMs / base.medianMs).toFixed(2)}x ${base.name}`;
      return [
        row.name,
        String(row.samples),
        formatMs(row.medianMs),
        formatMs(row.p99Ms),
        formatRate(row.perSecond),
        ratio,
        row.note ?? '',
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
    const render = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    out.push(`\n## ${group}`);
    if (lines.length > 0) {
      out.push(render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render));
    }
    for (const f of figures.filter((x) => x.group === group)) out.push(`${f.name}: ${f.value}`);
  }
  return out.join('\n');
}
