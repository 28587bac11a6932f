import type { ApiErrorCode } from './local-api';
import { examples } from './openapi-examples';

/** The name of a schema in the document's `components.schemas` (see `openapi.ts`). */
export type SchemaName =
  | 'Health'
  | 'CardInfo'
  | 'EnrolRequest'
  | 'QuoteRequest'
  | 'Quote'
  | 'QuoteAnswer'
  | 'ReserveRequest'
  | 'Reservation'
  | 'CancelRequest'
  | 'CancelAnswer'
  | 'CommitRequest'
  | 'Sale'
  | 'ReturnRequest'
  | 'ReturnAnswer'
  | 'Slip'
  | 'PrintRequest'
  | 'PrintAnswer'
  | 'CancelSaleRequest'
  | 'RecentSales'
  | 'Shift'
  | 'IdentifyRequest'
  | 'Identification'
  | 'SendCodeRequest'
  | 'SendCodeAnswer'
  | 'VerifyCodeRequest';

export type RouteTag = 'Agent' | 'Cards' | 'Sales' | 'Returns' | 'Slips' | 'Shift';

export interface RouteDoc {
  method: 'get' | 'post';
  path: string;
  operationId: string;
  tag: RouteTag;
  summary: string;
  description: string;
  request?: { schema: SchemaName; example: unknown };
  answer: { schema: SchemaName; description: string; example: unknown };
  /**
   * Refusals this route may answer with besides those every route has (`invalid_request`,
   * `unauthorized`, `internal`; `payload_too_large` on a POST). Read from the agent's till
   * session: each route's checks and the ledger refusals it passes on.
   */
  codes: readonly ApiErrorCode[];
  /** The route reads or writes the ledger: 503 `loyalty_unavailable` when loyalty is off. */
  ledger: boolean;
}

export const tagDescriptions: Record<RouteTag, string> = {
  Agent: 'The agent itself: health and the event stream (scans, cards, devices, printer, sync, sales).',
  Cards: 'Loyalty cards: look one up, enrol or activate it.',
  Sales: 'A sale: quote the points, optionally reserve the spend, commit with the fiscal receipt id.',
  Returns: 'A return against an earlier receipt: earned points taken back, spent points given back.',
  Slips: 'The loyalty slip of a sale: its text and ESC/POS bytes, printed or reprinted.',
  Shift: 'The till’s own sales: the latest receipts and today’s totals, for the cashier’s shift.',
};

/** What each refusal code means for the POS, for the response descriptions. */
export const codeMeanings: Record<ApiErrorCode, string> = {
  invalid_request:
    'the body or a path parameter does not match the schema; `details.issues` names each field',
  unauthorized:
    '401: no bearer token or the wrong one; 403: the request named another host than 127.0.0.1 or localhost (a DNS-rebound web page), or a companion-page write came from another origin',
  card_blocked: 'the card is blocked, at this till or by head office: go on with the sale without loyalty',
  card_unknown:
    'not a card of this program: `details.reason` is `invalid_check_digit` (a misread: scan again), `not_a_card` or `not_registered`',
  receipt_unknown: 'no sale with this receipt id at this till',
  hold_unknown: 'no such reservation for this card at this till',
  not_found: 'no such route',
  insufficient_points: 'the card does not hold that many spendable points',
  idempotency_conflict: 'this idempotency key was used before for a different request',
  offline_limit:
    'head office is out of reach and the spend is over what this till may allow offline: `details.reason` is `sync_too_old`, `offline_card_cap` or `offline_till_cap`',
  hold_expired: 'the reservation timed out and its points were released',
  payload_too_large: 'the body is larger than `api.bodyBytesMax` (256 KiB by default)',
  rate_limited: 'too many attempts in a short time',
  below_minimum: 'fewer points than the program lets be spent at once',
  not_step_multiple:
    'the program spends points only in whole blocks (`redemption.stepPoints`): the quote says the most on the step',
  currency_mismatch: "the basket is not in the program's currency",
  above_maximum:
    'more points than may be spent on this purchase (the quote says the most), or a basket that would earn more than one sale may book',
  return_exceeds_sale: 'more is returned than is left of the sale: `details` says what is left',
  line_unknown: 'a returned line is not a line of that sale',
  reward_unavailable:
    'a chosen catalogue reward cannot be taken now: `details.reason` is the quote’s why-not code (`insufficient_points`, `per_card_limit`, `per_period_limit`, `out_of_stock`, `unknown_reward`, ...) and `details.rewardId` names it',
  already_enrolled: 'the card is already enrolled (here or at another till of the chain): nothing to do',
  internal: 'a bug in the agent: go on with the sale without loyalty',
  loyalty_unavailable: 'loyalty is off on this till (its ledger failed): go on with the sale without points',
  printer_unavailable: 'no loyalty printer is configured, or its queue is full',
  phone_unknown: 'no card of the program has this phone (at this till, nor at head office when it answers)',
  phone_ambiguous: 'several cards have this phone: scan the card',
  identification_unknown:
    'no such identification at this till for this card (it lives 15 minutes): identify the buyer again',
  spend_needs_code:
    'the buyer was found by phone only: send a one-time code (`sendIdentifyCode`) and check it before spending; earning needs none',
  code_wrong: 'not the code sent to the buyer’s phone: `details.attemptsLeft` says how many tries remain',
  code_expired: 'the code timed out, was used already or was guessed at too often: send a new one',
  code_unreadable:
    'not a rotating code of this chain (wrong shape, a signature that does not hold, a key past its expiry, a step from the future): scan the buyer page again',
  head_office_unreachable:
    'head office cannot be reached, so no code can be sent or checked: the buyer may earn, not spend',
  cancel_refused:
    'the sale cannot be cancelled: `details.reason` is `too_late` (past the till’s cancel window: make a return) or `returned` (something of it was returned already) or `points_only` (nothing was paid in money: return its lines)',
};

const spendRefusals = [
  'card_blocked',
  'card_unknown',
  'currency_mismatch',
  'insufficient_points',
  'below_minimum',
  'above_maximum',
  'offline_limit',
  'reward_unavailable',
  'idempotency_conflict',
  'identification_unknown',
  'spend_needs_code',
] as const satisfies readonly ApiErrorCode[];

/** Every route of the local API: the agent registers these, the OpenAPI document lists them. */
export const localApiRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/health',
    operationId: 'getHealth',
    tag: 'Agent',
    summary: 'Agent, ledger, printer and scanner state',
    description:
      'Whether loyalty is on (`status: degraded` and `loyalty.problem` when the ledger failed: sell without points), the rule set in force, the printer state from its last DLE EOT answer (`unknown` before the first slip) and each scanner.',
    answer: { schema: 'Health', description: 'The agent’s state.', example: examples.health },
    codes: [],
    ledger: false,
  },
  {
    method: 'get',
    path: '/v1/cards/{cardCode}',
    operationId: 'getCard',
    tag: 'Cards',
    summary: 'Look up a card',
    description:
      'Status, spendable and pending points, points held by open reservations, tier and the next one, points expiring soon. A code with a wrong check digit is a misread (404, `details.reason: invalid_check_digit`). Head office is asked for a card this store never saw; its balance follows as a `card` event.',
    answer: { schema: 'CardInfo', description: 'The card.', example: examples.cardInfo },
    codes: ['card_unknown'],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/cards/{cardCode}/enrol',
    operationId: 'enrolCard',
    tag: 'Cards',
    summary: 'Enrol or activate a card',
    description:
      'Registers a new card, or activates an anonymous one, with the buyer’s phone (E.164) and consent to the program rules. Repeating the call with the same idempotency key returns the first answer.',
    request: { schema: 'EnrolRequest', example: examples.enrolRequest },
    answer: { schema: 'CardInfo', description: 'The card after enrolment.', example: examples.cardInfo },
    codes: ['card_blocked', 'card_unknown', 'already_enrolled', 'idempotency_conflict'],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/cards/identify',
    operationId: 'identifyCard',
    tag: 'Cards',
    summary: 'Find the buyer’s card by phone or by the buyer page’s code',
    description:
      'For a buyer without the card: `{ code }`, the rotating QR code of the buyer page (verified offline with head office’s key: spending is allowed while it is fresh, within a minute, and never taken at this till before; an older or repeated code earns only), or `{ phone }`, the phone as the cashier typed it. The card is found offline from the phone hashes head office sends with its cards, or asked of head office when this till does not hold it. The answer names the card and an `identificationId` to pass to quote, reserve and commit: the buyer may earn at once; spending needs a one-time code (`sendIdentifyCode`, then `verifyIdentifyCode`), which head office sends, so offline the buyer earns only.',
    request: { schema: 'IdentifyRequest', example: examples.identifyRequest },
    answer: { schema: 'Identification', description: 'The card found.', example: examples.identification },
    codes: ['phone_unknown', 'phone_ambiguous', 'card_blocked', 'code_unreadable'],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/cards/identify/code',
    operationId: 'sendIdentifyCode',
    tag: 'Cards',
    summary: 'Send a one-time code to the buyer’s phone',
    description:
      'Head office texts six digits to the phone of an identification made by phone (valid 5 minutes). Head office out of reach: 503 `head_office_unreachable` (the buyer earns only).',
    request: { schema: 'SendCodeRequest', example: examples.sendCodeRequest },
    answer: { schema: 'SendCodeAnswer', description: 'The code was sent.', example: examples.sendCodeAnswer },
    codes: ['identification_unknown', 'phone_unknown', 'rate_limited', 'head_office_unreachable'],
    ledger: false,
  },
  {
    method: 'post',
    path: '/v1/cards/identify/verify',
    operationId: 'verifyIdentifyCode',
    tag: 'Cards',
    summary: 'Check the code the buyer reads out',
    description:
      'Head office checks the six digits (five tries a code). Right: the identification may spend (`spending: allowed`).',
    request: { schema: 'VerifyCodeRequest', example: examples.verifyCodeRequest },
    answer: {
      schema: 'Identification',
      description: 'The identification, now allowed to spend.',
      example: { ...examples.identification, by: 'phone_code', spending: 'allowed' },
    },
    codes: ['identification_unknown', 'code_wrong', 'code_expired', 'head_office_unreachable'],
    ledger: false,
  },
  {
    method: 'post',
    path: '/v1/quote',
    operationId: 'quote',
    tag: 'Sales',
    summary: 'Quote the points for a basket',
    description:
      'Points earned per line with their reasons, the most the buyer may spend now and what holds it down (`redemption.limitedBy`), the chosen spend spread over the lines (`spendPoints`), tier progress and offers. Writes nothing. Without `cardCode` the basket is quoted for an anonymous buyer. With `lineReasons: shared` the answer lists each distinct line reason once (`QuoteSharedReasons`: `reasons`, and `reasonRefs` in each line instead of `reasons`), about half the bytes for a large basket.',
    request: { schema: 'QuoteRequest', example: examples.quoteRequest },
    answer: {
      schema: 'QuoteAnswer',
      description: 'The quote (`Quote`; `QuoteSharedReasons` when asked with `lineReasons: shared`).',
      example: examples.quote,
    },
    codes: [
      'card_blocked',
      'card_unknown',
      'currency_mismatch',
      'above_maximum',
      'identification_unknown',
      'spend_needs_code',
    ],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/reservations',
    operationId: 'reservePoints',
    tag: 'Sales',
    summary: 'Reserve the points the buyer chose to spend',
    description:
      'Puts a hold on `spendPoints` until the sale is committed with its `holdId`, cancelled, or `ttlSeconds` pass. For POS software that confirms the payment before it commits.',
    request: { schema: 'ReserveRequest', example: examples.reserveRequest },
    answer: {
      schema: 'Reservation',
      description: 'The hold and the quote it was made on.',
      example: examples.reservation,
    },
    codes: spendRefusals,
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/reservations/cancel',
    operationId: 'cancelReservation',
    tag: 'Sales',
    summary: 'Release a reservation',
    description:
      'Voids a hold made by `reservePoints`: its points are spendable again. Cancelling a hold already released answers the same and gives nothing back twice; a hold already committed cannot be cancelled (409 `idempotency_conflict`).',
    request: { schema: 'CancelRequest', example: examples.cancelRequest },
    answer: { schema: 'CancelAnswer', description: 'The hold was released.', example: examples.cancelAnswer },
    codes: ['hold_unknown', 'hold_expired', 'idempotency_conflict'],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/sales',
    operationId: 'commitSale',
    tag: 'Sales',
    summary: 'Commit a sale',
    description:
      'Books the sale with the fiscal `receiptId`: points earned, and points spent in one shot (`spendPoints`) or from a reservation (`holdId`). Returns the per-line discounts for the fiscal receipt, the new balance and the slip text; the slip goes to the loyalty printer. Use the receipt id as the idempotency key: a retry returns the first answer, even after the agent restarted.',
    request: { schema: 'CommitRequest', example: examples.commitRequest },
    answer: { schema: 'Sale', description: 'The booked sale.', example: examples.sale },
    codes: [...spendRefusals, 'hold_unknown', 'hold_expired'],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/returns',
    operationId: 'returnSale',
    tag: 'Returns',
    summary: 'Return against an earlier receipt',
    description:
      'Send the returned `lines` (line id and units) or only `returnedAmountMinor`, the money given back (spread over the sale’s lines by the money each took). Each returned line gives back the points it earned (pending ones first) and the points spent on it, in proportion to the units returned; repeated partial returns never exceed the sale, and a full return restores the card exactly.',
    request: { schema: 'ReturnRequest', example: examples.returnRequest },
    answer: { schema: 'ReturnAnswer', description: 'The points moved back.', example: examples.returnAnswer },
    codes: ['receipt_unknown', 'return_exceeds_sale', 'line_unknown', 'idempotency_conflict'],
    ledger: true,
  },
  {
    method: 'post',
    path: '/v1/sales/{receiptId}/cancel',
    operationId: 'cancelSale',
    tag: 'Returns',
    summary: 'Cancel a sale just booked',
    description:
      'Takes the whole sale back as a full return (its points earned reversed, its points spent given back), within the till’s cancel window after the sale (`api.cancelWindowSeconds`, 5 minutes by default) and only while nothing of it has been returned; later, make a return.',
    request: { schema: 'CancelSaleRequest', example: examples.cancelSaleRequest },
    answer: { schema: 'ReturnAnswer', description: 'The points moved back.', example: examples.returnAnswer },
    codes: ['receipt_unknown', 'cancel_refused', 'idempotency_conflict'],
    ledger: true,
  },
  {
    method: 'get',
    path: '/v1/sales/recent',
    operationId: 'recentSales',
    tag: 'Shift',
    summary: 'The latest sales at this till',
    description:
      'The last 50 sales with a loyalty card booked at this till, newest first: receipt, time, card, total, points earned and spent, money given back by returns. Finds a receipt for a return or a reprint whatever browser or POS booked it.',
    answer: { schema: 'RecentSales', description: 'The latest sales.', example: examples.recentSales },
    codes: [],
    ledger: true,
  },
  {
    method: 'get',
    path: '/v1/shift',
    operationId: 'getShift',
    tag: 'Shift',
    summary: 'Today’s totals at this till',
    description:
      'Sales with a loyalty card since midnight in the program’s time zone (at most the last 5,000): how many, their total, points earned and spent, returns.',
    answer: { schema: 'Shift', description: 'Today’s totals.', example: examples.shift },
    codes: [],
    ledger: true,
  },
  {
    method: 'get',
    path: '/v1/sales/{receiptId}/slip',
    operationId: 'getSlip',
    tag: 'Slips',
    summary: 'The loyalty slip of a sale',
    description:
      'The slip as text lines (for POS software that prints it on the fiscal receipt) and as the ESC/POS bytes the loyalty printer gets (base64).',
    answer: { schema: 'Slip', description: 'The slip.', example: examples.slip },
    codes: ['receipt_unknown'],
    ledger: false,
  },
  {
    method: 'post',
    path: '/v1/sales/{receiptId}/print',
    operationId: 'printSlip',
    tag: 'Slips',
    summary: 'Print or reprint the slip',
    description:
      'Queues the slip on the loyalty printer; one print job per idempotency key. The job waits in the queue while the printer is out of paper or offline.',
    request: { schema: 'PrintRequest', example: examples.printRequest },
    answer: { schema: 'PrintAnswer', description: 'The print job.', example: examples.printAnswer },
    codes: ['receipt_unknown', 'printer_unavailable'],
    ledger: false,
  },
];
