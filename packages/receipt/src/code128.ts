import { assert } from '@tillpoint/core';

/**
 * Code 128 planned once, drawn twice the same way: the printer's own `GS k 73` command and our
 * raster image (bwip-js draws the very codewords planned here) carry identical symbols, so the
 * width check for one holds for the other. Digit runs go in code set C (two digits a symbol),
 * everything else in set B; the plan is the shortest such symbol sequence.
 */

/** Symbol values: start codes, code-set switches, stop. */
const startB = 104;
const startC = 105;
const switchToB = 100;
const switchToC = 99;
/** Every symbol is 11 modules wide; the stop symbol 13. */
const symbolModules = 11;
const stopModules = 13;
/** Quiet zone each side, in modules (ISO/IEC 15417: at least 10). */
export const code128QuietModules = 10;
/** Printable ASCII only: the slip schema's coupon alphabet. */
const printable = /^[\x20-\x7e]+$/;

type CodeSet = 'B' | 'C';

/** One run of the plan: the characters it carries and the set they are in. */
export interface Code128Run {
  set: CodeSet;
  text: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * The runs with the fewest symbols (starting set included, switches counted), by dynamic
 * programming over positions: `cost[i][s]` is the fewest symbols for `data[i..]` when the
 * symbol set in force at `i` is `s`. Ties keep set B (shorter to read for a person).
 */
export function planCode128(data: string): Code128Run[] {
  assert(data.length > 0 && printable.test(data), 'Code 128 data is printable ASCII');
  const n = data.length;
  const cost: [number, number][] = Array.from({ length: n + 1 }, () => [0, 0]);
  for (let i = n - 1; i >= 0; i--) {
    const pairHere = isDigit(data[i]) && isDigit(data[i + 1]);
    const inB = 1 + (cost[i + 1] as [number, number])[0];
    const inC = pairHere ? 1 + (cost[i + 2] as [number, number])[1] : Number.POSITIVE_INFINITY;
    // Staying costs the symbol; changing set costs one switch symbol more.
    (cost[i] as [number, number])[0] = Math.min(inB, inC + 1);
    (cost[i] as [number, number])[1] = Math.min(inC, inB + 1);
  }
  const runs: Code128Run[] = [];
  const first = cost[0] as [number, number];
  let set: CodeSet = first[1] < first[0] ? 'C' : 'B';
  let i = 0;
  while (i < n) {
    const pairHere = isDigit(data[i]) && isDigit(data[i + 1]);
    const stayB = 1 + (cost[i + 1] as [number, number])[0];
    const stayC = pairHere ? 1 + (cost[i + 2] as [number, number])[1] : Number.POSITIVE_INFINITY;
    const want: CodeSet = set === 'B' ? (stayC + 1 < stayB ? 'C' : 'B') : stayC <= stayB + 1 ? 'C' : 'B';
    set = want;
    const take = set === 'C' ? 2 : 1;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.set === set) last.text += data.slice(i, i + take);
    else runs.push({ set, text: data.slice(i, i + take) });
    i += take;
  }
  return runs;
}

/** The symbol values of the plan: start, data and switches (bwip-js and printers add check and stop). */
export function code128Codewords(runs: readonly Code128Run[]): number[] {
  const words: number[] = [];
  runs.forEach((run, k) => {
    if (k === 0) words.push(run.set === 'C' ? startC : startB);
    else words.push(run.set === 'C' ? switchToC : switchToB);
    if (run.set === 'C')
      for (let j = 0; j < run.text.length; j += 2) words.push(Number(run.text.slice(j, j + 2)));
    else for (const c of run.text) words.push(c.charCodeAt(0) - 32);
  });
  return words;
}

/** Modules across the symbol: codewords, check symbol, stop, and both quiet zones. */
export function code128Modules(codewords: readonly number[]): number {
  return (codewords.length + 1) * symbolModules + stopModules + 2 * code128QuietModules;
}

/**
 * The `GS k 73` data for the plan: `{B` / `{C` select the set, a `{` in set B is sent as `{{`,
 * and set C carries one byte per digit pair (its value 0..99).
 */
export function code128EscposData(runs: readonly Code128Run[]): number[] {
  const bytes: number[] = [];
  for (const run of runs) {
    bytes.push(0x7b, run.set.charCodeAt(0));
    if (run.set === 'C') {
      for (let j = 0; j < run.text.length; j += 2) bytes.push(Number(run.text.slice(j, j + 2)));
    } else {
      for (const c of run.text) bytes.push(...(c === '{' ? [0x7b, 0x7b] : [c.charCodeAt(0)]));
    }
  }
  return bytes;
}

/**
 * Reads `GS k 73` data back into codewords (for the preview): the inverse of
 * `code128EscposData`, also accepting the old set-B-only form (`{B` then text).
 */
export function codewordsFromEscposData(bytes: Uint8Array): number[] {
  const words: number[] = [];
  let set: 'A' | CodeSet | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const next = bytes[i + 1];
    if (b === 0x7b && next !== undefined && next !== 0x7b) {
      const chosen = String.fromCharCode(next);
      assert(chosen === 'B' || chosen === 'C', `GS k 73: code set {${chosen} is not one we send`);
      words.push(
        set === undefined ? (chosen === 'C' ? startC : startB) : chosen === 'C' ? switchToC : switchToB,
      );
      set = chosen;
      i++;
      continue;
    }
    assert(set !== undefined, 'GS k 73 data starts with a code set ({B or {C)');
    if (set === 'C') words.push(b);
    else {
      words.push(b - 32);
      if (b === 0x7b) i++; // "{{" is one "{"
    }
  }
  return words;
}

/** The codewords as bwip-js's `raw` option reads them ("^104^033..."). */
export function bwipRawText(codewords: readonly number[]): string {
  return codewords.map((w) => `^${String(w).padStart(3, '0')}`).join('');
}

/** The text the codewords carry (for the slip-as-text view of a `GS k 73` command). */
export function textFromCodewords(codewords: readonly number[]): string {
  let set: CodeSet = 'B';
  let text = '';
  for (const w of codewords) {
    if (w === startB || w === switchToB) set = 'B';
    else if (w === startC || w === switchToC) set = 'C';
    else text += set === 'C' ? String(w).padStart(2, '0') : String.fromCharCode(w + 32);
  }
  return text;
}
