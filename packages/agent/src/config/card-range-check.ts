import type { CardRange } from '@tillpoint/scanner';

/** One problem with one card range: where it is in the config and what to change. */
export interface CardRangeProblem {
  /** Index in `cardRanges` and the field to change. */
  path: [number, 'prefix' | 'length' | 'check'];
  message: string;
}

const fixedLengths = { ean13: 13, ean8: 8, upca: 12 } as const;

/**
 * Card ranges that can never match a real card, told apart from a typo: a digit scheme with a
 * letter in the prefix, a length not longer than the prefix, a GS1 scheme with the wrong
 * length. Pure; the config schema and `tillpoint doctor` both use it.
 */
export function cardRangeProblems(
  ranges: readonly Pick<CardRange, 'prefix' | 'length' | 'check'>[],
): CardRangeProblem[] {
  const problems: CardRangeProblem[] = [];
  ranges.forEach((range, i) => {
    const digitsOnly = range.check !== 'none';
    if (digitsOnly && !/^[0-9]+$/.test(range.prefix))
      problems.push({
        path: [i, 'prefix'],
        message: `"${range.prefix}" is not all digits, but ${range.check} codes are digits only: fix the prefix, or use check: none for letters`,
      });
    if (range.length <= range.prefix.length)
      problems.push({
        path: [i, 'length'],
        message: `${range.length} is not longer than the prefix "${range.prefix}" (${range.prefix.length} characters): length counts the whole code, check digit included`,
      });
    if (range.check in fixedLengths) {
      const expected = fixedLengths[range.check as keyof typeof fixedLengths];
      if (range.length !== expected)
        problems.push({
          path: [i, 'check'],
          message: `${range.check} codes are ${expected} digits long, not ${range.length}: set length: ${expected}, or the check that fits ${range.length}-digit cards (${range.length === 13 ? 'ean13' : range.length === 8 ? 'ean8' : range.length === 12 ? 'upca' : 'luhn or none'})`,
        });
    }
  });
  return problems;
}
