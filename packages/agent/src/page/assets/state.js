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
  /**
   * Print jobs the printer finished lately. The printer's event can arrive before the sale's
   * answer (a quick printer, a busy page), so a job is checked against this when it is learnt.
   */
  printedJobs: [],
  loyalty: null,
  printer: null,
  sync: null,
};

/** Remembers a finished print job (the last few only). */
export function notePrinted(jobId) {
  state.printedJobs.push(jobId);
  if (state.printedJobs.length > 20) state.printedJobs.shift();
}

/** Whether the printer has already finished this job. */
export function wasPrinted(jobId) {
  return state.printedJobs.includes(jobId);
}
