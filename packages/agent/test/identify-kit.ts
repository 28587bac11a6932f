/** What the identification tests (identify-phone, identify-app-code) share. */

/** 5 % cashback on everything, in roubles, nothing else: each sale's points are easy to write down. */
export const fivePercentProgram = {
  id: 'identify',
  name: 'Identify',
  currency: 'RUB',
  pointValueMinor: 100,
  timeZone: '+03:00',
  earn: [{ type: 'cashback', id: 'five', percent: 5 }],
};

/** One line of `rub` roubles. */
export const rubBasket = (rub: number, sku = 'tea') => ({
  currency: 'RUB',
  lines: [{ id: '1', sku, quantity: 1, unitPriceMinor: rub * 100, amountMinor: rub * 100 }],
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `read` gives a value `done` accepts; the last value otherwise (the test's expect says why). */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const until = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await sleep(250);
    value = await read();
  }
  return value;
}
