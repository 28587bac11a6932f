import { gs1CheckDigit } from '@tillpoint/scanner';

/** A basket of `lines` lines of one unit each, milk and bakery, as the agent benchmarks sell. */
export function basketOf(lines: number) {
  return {
    currency: 'RUB',
    lines: Array.from({ length: lines }, (_, i) => ({
      id: String(i + 1),
      sku: `sku-${i}`,
      category: i % 3 === 0 ? 'milk' : 'bakery',
      quantity: 1,
      unitPriceMinor: 10_000 + i,
      amountMinor: 10_000 + i,
    })),
  };
}

/** The card of sale `n`, rotating over 500 cards as at a real till: an EAN-13 the card ranges accept. */
export function benchCard(n: number): string {
  const body = `2000${String(n % 500).padStart(8, '0')}`;
  return `${body}${gs1CheckDigit(body)}`;
}
