/**
 * Times async calls in turn, one of each per round with the order rotating (a b c, b c a, ...),
 * so a change in the machine's load during the run hits every case alike and the ratios
 * between them hold even on a busy machine. Returns each case's samples in milliseconds,
 * after `warmup` untimed rounds.
 */
export async function interleaved(
  cases: Record<string, () => Promise<unknown>>,
  o: { iterations: number; warmup: number },
): Promise<Record<string, number[]>> {
  const names = Object.keys(cases);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < o.warmup + o.iterations; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as string;
      const call = cases[name] as () => Promise<unknown>;
      const start = process.hrtime.bigint();
      await call();
      if (round >= o.warmup) samples[name]?.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return samples;
}
