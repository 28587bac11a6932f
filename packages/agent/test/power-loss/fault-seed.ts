/**
 * The seed of a fault test's random choices: from the environment variable `name` when set
 * (to replay a run), else a new one. Printed either way, as the line to replay it with.
 * Processes still race each other, so a replay makes the same choices (cut points, delays,
 * requests), not necessarily the very same interleaving.
 */
export function faultSeed(name: string): number {
  const given = process.env[name];
  const seed = given === undefined || given === '' ? Math.floor(Math.random() * 2 ** 31) : Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`${name} must be a whole number, got "${given}"`);
  console.info(`${name}=${seed} (set it to replay these choices)`);
  return seed;
}

/** A small deterministic generator (mulberry32): numbers in [0, 1) from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A whole number in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One of the choices, each as likely. */
export function pick<T>(random: () => number, choices: readonly T[]): T {
  const chosen = choices[Math.floor(random() * choices.length)];
  if (chosen === undefined) throw new Error('pick: no choices');
  return chosen;
}
