/**
 * The page's state, shared by its parts. The agent decides everything; this is only what the
 * page shows and the one sale attempt it may repeat.
 */
export const state = {
  card: null, // { code, info } | { code, unknown: true } | { code, blocked: true, info }
  quote: null,
  basket: null,
  /** The catalogue reward the cashier picked for this sale ('' for none). */
  reward: '',
  /** One sale attempt: its idempotency key and body; kept until the agent answers for sure. */
  attempt: null,
  saleInFlight: false,
  /** The sale just made: the agent's answer, its print jobs, whether one printed. */
  sale: null,
  loyalty: null,
  printer: null,
  sync: null,
};
