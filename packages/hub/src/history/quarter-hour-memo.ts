import { assert } from '@tillpoint/core';

/**
 * A function of an instant that depends only on its local date in some zone, memoised by the
 * quarter hour (pure): every zone's offset is a whole number of quarter hours, so a local midnight
 * never falls inside a quarter hour and the answer is the same for all its instants. The replay
 * asks for the same days millions of times (the report's day, the tier window); the zone
 * arithmetic (Intl) is the costly part. At most `entriesMax` answers are kept (then it starts over).
 */
export function quarterHourMemo<T>(fn: (at: number) => T, entriesMax = 100_000): (at: number) => T {
  const memo = new Map<number, T>();
  return (at) => {
    assert(Number.isSafeInteger(at), 'an instant in whole milliseconds', { at });
    const bucket = Math.floor(at / 900_000);
    const held = memo.get(bucket);
    if (held !== undefined) return held;
    const answer = fn(bucket * 900_000);
    if (memo.size >= entriesMax) memo.clear();
    memo.set(bucket, answer);
    return answer;
  };
}
