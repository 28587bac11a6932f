import type { Basket } from '@tillpoint/core';
import type { CardContext } from './card-context';
import { conditionsHold } from './card-context';
import type { CompiledProgram } from './compile-program';
import type { Quote } from './quote-schema';

/** Offers to show at the till or print: open (published) and hidden (personal) ones whose conditions hold. */
export function matchingOffers(
  compiled: CompiledProgram,
  basket: Basket,
  ctx: CardContext,
  totalMinor: number,
): Quote['offers'] {
  const out: Quote['offers'] = [];
  for (const offer of compiled.program.offers) {
    if (!conditionsHold(offer.when, ctx)) continue;
    if (offer.minAmountMinor !== undefined && totalMinor < offer.minAmountMinor) continue;
    const lines = compiled.offerLines.get(offer.id);
    if (lines !== undefined && !basket.lines.some(lines)) continue;
    out.push({
      id: offer.id,
      kind: offer.kind,
      text: offer.text,
      ...(offer.coupon === undefined ? {} : { coupon: { ...offer.coupon } }),
    });
  }
  return out;
}
