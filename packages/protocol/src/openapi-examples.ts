import type { ApiErrorCode } from './local-api';

/**
 * Example values for the OpenAPI document: one sale told end to end (a card with 500 points
 * buys 1 600.00 RUB of groceries and spends 44 points), taken from the rules engine's real
 * answer for the sample grocery program. The linter checks every example against its schema.
 */

const card = '2000000000015';
const at = '2026-12-06T13:39:00.000Z';

export const basketExample = {
  currency: 'RUB',
  lines: [
    { id: '1', sku: 'milk-1l', category: 'milk', quantity: 2, unitPriceMinor: 8900, amountMinor: 17800 },
    { id: '2', sku: 'groceries', quantity: 1, unitPriceMinor: 142200, amountMinor: 142200 },
  ],
};

const cashback = (ruleId: string, name: string, percent: number) => ({
  ruleId,
  code: 'cashback',
  params: { percentHundredths: percent * 100, percent: String(percent), pointValueMinor: 100 },
  text: `${name}: ${percent}% of the price back as points.`,
});
const paidWithPoints = (discountMinor: number, text: string) => ({
  ruleId: 'accrual.excludePaidWithPoints',
  code: 'paid_with_points',
  params: { discountMinor },
  text,
});

export const quoteExample = {
  programVersion: '6760ebb201312c71',
  currency: 'RUB',
  cardId: card,
  localDate: '2026-12-06',
  localTime: '16:39',
  at,
  basketTotalMinor: 160000,
  lines: [
    {
      lineId: '1',
      amountMinor: 17800,
      eligibleMinor: 17300,
      earnedPoints: 17,
      reasons: [
        paidWithPoints(500, 'No points on the 5.00 RUB paid with points.'),
        cashback('milk-10', 'Milk week', 10),
      ],
      maxSpendPoints: 178,
      spentPoints: 5,
      spendDiscountMinor: 500,
    },
    {
      lineId: '2',
      amountMinor: 142200,
      eligibleMinor: 138300,
      earnedPoints: 41,
      reasons: [
        paidWithPoints(3900, 'No points on the 39.00 RUB paid with points.'),
        cashback('bronze-3', 'Bronze', 3),
      ],
      maxSpendPoints: 1422,
      spentPoints: 39,
      spendDiscountMinor: 3900,
    },
  ],
  earned: {
    totalPoints: 58,
    spendableNowPoints: 0,
    pendingPoints: 58,
    lots: [
      {
        points: 58,
        vestsAt: '2026-12-20T13:39:00.000Z',
        expiresAt: '2027-12-20T13:39:00.000Z',
        ruleIds: ['milk-10', 'bronze-3'],
      },
    ],
  },
  bonuses: [],
  redemption: {
    balancePoints: 500,
    maxPoints: 500,
    maxDiscountMinor: 50000,
    minPoints: 1,
    limitedBy: [{ code: 'balance', text: 'The card holds 500 spendable points.' }],
    chosen: {
      requestedPoints: 44,
      points: 44,
      discountMinor: 4400,
      lines: [
        { lineId: '1', points: 5, discountMinor: 500 },
        { lineId: '2', points: 39, discountMinor: 3900 },
      ],
      refusal: null,
    },
  },
  tier: {
    current: { id: 'bronze', name: 'Bronze' },
    afterPurchase: { id: 'bronze', name: 'Bronze' },
    next: { id: 'silver', name: 'Silver', leftToSpendMinor: 1330000 },
  },
  offers: [{ id: 'gift-hint', kind: 'open', text: 'Buy for 3000 RUB and take a Semya tote bag.' }],
  notices: [],
};

export const cardInfoExample = {
  cardCode: card,
  status: 'enrolled',
  spendablePoints: 500,
  pendingPoints: 203,
  heldPoints: 0,
  tier: { id: 'bronze', name: 'Bronze' },
  nextTier: { id: 'silver', name: 'Silver', leftToSpendMinor: 1490000 },
  expiringSoon: [{ points: 30, expiresAt: '2026-12-31T21:00:00.000Z' }],
  pendingVests: [{ points: 203, vestsAt: '2026-12-20T13:39:00.000Z' }],
};

const slipText = [
  '                 LOYALTY',
  '            Semya, Tverskaya 7',
  'Card                             **** 0015',
  'Points earned                          +58',
  'for: Bronze: 3% of the price back as',
  'points.',
  'Points spent               -44 (44.00 RUB)',
  'Balance                                456',
  '261 pts spendable from 2026-12-20',
  'Tier: Bronze',
  'Spend 13,300.00 RUB more to reach Silver',
  '------------------------------------------',
  '     Receipt R-0002 2026-12-06 16:39',
];

const lineDiscounts = [
  { lineId: '1', spendDiscountMinor: 500, rewardDiscountMinor: 0, discountMinor: 500 },
  { lineId: '2', spendDiscountMinor: 3900, rewardDiscountMinor: 0, discountMinor: 3900 },
];

export const saleExample = {
  receiptId: 'R-0002',
  cardCode: card,
  earnedPoints: 58,
  spentPoints: 44,
  spentDiscountMinor: 4400,
  lines: [
    { lineId: '1', points: 5, discountMinor: 500 },
    { lineId: '2', points: 39, discountMinor: 3900 },
  ],
  rewards: [],
  rewardDiscountMinor: 0,
  lineDiscounts,
  balance: { spendablePoints: 456, pendingPoints: 261 },
  ledger: { txnId: '0193a5b2-7c4e-7d21-9f0a-4b8c2d1e6f30', seq: 42 },
  won: [{ ruleId: 'gift-over-5000', kind: 'gift', text: 'A free tote bag with purchases over 5,000 RUB' }],
  slipText,
  printJobId: 'sale:R-0002',
};

export const examples = {
  health: {
    status: 'ok',
    loyalty: { available: true },
    programVersion: '6760ebb201312c71',
    storeId: 'msk-014',
    tillId: 'msk-014-t2',
    printer: { state: 'ok', message: 'ready' },
    scanners: [{ deviceId: 'virtual-scanner', power: 'online', lifecycle: 'enabled' }],
  },
  cardInfo: cardInfoExample,
  enrolRequest: { idempotencyKey: 'enrol-2000000000022-1', phone: '+79161234567', consent: true },
  quoteRequest: { cardCode: card, basket: basketExample, spendPoints: 44 },
  identifyRequest: { phone: '+7 916 123-45-67' },
  identification: {
    identificationId: 'idn_3q2-7wVp0cYx1mN4rT8uKa',
    cardCode: card,
    by: 'phone',
    spending: 'code_needed',
    foundAt: 'till',
    message: 'Card found by phone: the buyer may earn; to spend, send a code to the phone',
    expiresAt: '2026-12-06T10:15:00.000Z',
  },
  sendCodeRequest: { identificationId: 'idn_3q2-7wVp0cYx1mN4rT8uKa' },
  sendCodeAnswer: {
    identificationId: 'idn_3q2-7wVp0cYx1mN4rT8uKa',
    codeExpiresAt: '2026-12-06T10:05:00.000Z',
    message: 'A code was sent to the buyer’s phone: ask for the six digits',
  },
  verifyCodeRequest: { identificationId: 'idn_3q2-7wVp0cYx1mN4rT8uKa', code: '492817' },
  quote: quoteExample,
  reserveRequest: {
    idempotencyKey: 'R-0002-reserve',
    cardCode: card,
    basket: basketExample,
    spendPoints: 44,
    ttlSeconds: 300,
  },
  reservation: {
    holdId: '0193a5b2-6f01-7a3c-8e55-2b9d4c7a1e08',
    points: 44,
    expiresAt: '2026-12-06T13:44:00.000Z',
    quote: quoteExample,
    lineDiscounts,
  },
  cancelRequest: { idempotencyKey: 'R-0002-cancel', holdId: '0193a5b2-6f01-7a3c-8e55-2b9d4c7a1e08' },
  cancelAnswer: { holdId: '0193a5b2-6f01-7a3c-8e55-2b9d4c7a1e08', released: true },
  commitRequest: {
    idempotencyKey: 'till-t2:R-0002',
    receiptId: 'R-0002',
    cardCode: card,
    basket: basketExample,
    spendPoints: 44,
  },
  sale: saleExample,
  returnRequest: {
    idempotencyKey: 'R-0002-return-1',
    originalReceiptId: 'R-0002',
    returnedAmountMinor: 17800,
  },
  cancelSaleRequest: { idempotencyKey: 'R-0002-cancel' },
  recentSales: {
    sales: [
      {
        receiptId: 'R-0002',
        at,
        cardCode: card,
        basketTotalMinor: 17800,
        earnedPoints: 6,
        spentPoints: 44,
        moneyMinor: 13400,
        refundedMinor: 0,
      },
    ],
  },
  shift: {
    from: '2026-12-06T00:00:00+03:00',
    until: at,
    sales: 1,
    basketTotalMinor: 17800,
    earnedPoints: 6,
    spentPoints: 44,
    returnedSales: 0,
    refundedMinor: 0,
  },
  returnAnswer: {
    originalReceiptId: 'R-0002',
    earnedReversedPoints: 6,
    spentRestoredPoints: 5,
    rewards: [],
    balance: { spendablePoints: 461, pendingPoints: 255 },
    pointsSettled: true,
  },
  slip: {
    receiptId: 'R-0002',
    text: slipText,
    escposBase64: 'GxAcLhtHERsdYQEbIQEbUlRZQUxUWQobIQAKGwgAG2EA',
  },
  printRequest: { idempotencyKey: 'R-0002-reprint-1' },
  printAnswer: { jobId: 'print:R-0002-reprint-1' },
  events: [
    'id: 41',
    'event: scan',
    `data: {"id":41,"type":"scan","at":"${at}","data":{"code":"${card}","symbology":"ean13","deviceId":"virtual-scanner","card":"card"}}`,
    '',
    'id: 42',
    'event: card',
    `data: {"id":42,"type":"card","at":"${at}","data":{"cardCode":"${card}","status":"enrolled","spendablePoints":500,"known":true,"source":"scan"}}`,
    '',
    '',
  ].join('\n'),
};

/** A message the agent really answers with, for each refusal code. */
export const refusalExamples: Record<ApiErrorCode, { message: string; details?: Record<string, unknown> }> = {
  invalid_request: {
    message: '✖ Invalid input: expected string, received undefined\n  → at idempotencyKey',
    details: {
      issues: [{ path: 'idempotencyKey', message: 'Invalid input: expected string, received undefined' }],
    },
  },
  unauthorized: { message: 'send "Authorization: Bearer <api.token from the agent config>"' },
  card_blocked: { message: `card ${card} is blocked by head office: sell without loyalty` },
  card_unknown: {
    message: '2000000000016 has a wrong check digit: a misread card, scan it again',
    details: { reason: 'invalid_check_digit' },
  },
  receipt_unknown: { message: 'no loyalty slip for receipt R-0003 at this till' },
  hold_unknown: {
    message: `no reservation 0193a5b2-6f01-7a3c-8e55-2b9d4c7a1e08 for card ${card} at this till`,
  },
  not_found: { message: 'no route GET /v1/card/2000000000015' },
  insufficient_points: { message: 'The card holds 500 spendable points, fewer than 600.' },
  line_unknown: { message: 'receipt R-0002 has no line "7"' },
  reward_unavailable: {
    message: '10% off entire sale: it costs 15 points; the card has 12 to spend',
    details: { rewardId: 'ten-off-sale', reason: 'insufficient_points', costPoints: 15, balancePoints: 12 },
  },
  already_enrolled: { message: `card ${card} is already enrolled` },
  phone_unknown: { message: 'no card has the phone +79161234567' },
  phone_ambiguous: { message: '2 cards have the phone +79161234567: scan the card' },
  identification_unknown: {
    message: 'no identification idn_3q2-7wVp0cYx1mN4rT8uKa for this card: identify again',
  },
  spend_needs_code: {
    message: 'the buyer was found by phone: send a code to the phone and check it before spending points',
  },
  code_wrong: { message: 'not the code sent: 4 tries left', details: { attemptsLeft: 4 } },
  code_expired: { message: 'the code timed out: send a new one' },
  code_unreadable: { message: 'this is not a code of the buyer page: ask the buyer to show it again' },
  head_office_unreachable: {
    message:
      'head office cannot be reached, so no code can be sent: the buyer may earn points, not spend them',
  },
  cancel_refused: {
    message: 'receipt R-0002 was booked more than 5 minutes ago: make a return instead',
    details: { reason: 'too_late' },
  },
  not_step_multiple: { message: 'Points are spent only in blocks of 150: spend 300 or 450, not 400.' },
  idempotency_conflict: {
    message: 'idempotency key "R-0002" was already used for a different commit request',
  },
  offline_limit: {
    message: 'this card has reached its offline spending limit until the till syncs',
    details: { reason: 'offline_card_cap' },
  },
  hold_expired: { message: 'hold expired' },
  payload_too_large: { message: 'request body over 262144 bytes' },
  rate_limited: { message: 'too many sign-in attempts: try again in 42 s' },
  below_minimum: { message: 'At least 100 points must be spent at once, not 20.' },
  currency_mismatch: {
    message: "the basket is in EUR but this till's loyalty program counts in RUB",
    details: { basketCurrency: 'EUR', programCurrency: 'RUB' },
  },
  above_maximum: { message: 'At most 500 points may be spent on this purchase, not 900.' },
  return_exceeds_sale: { message: "only 142200 of the sale's 160000 minor units are left to return" },
  internal: { message: 'the agent hit a bug; the sale can go on without loyalty' },
  loyalty_unavailable: {
    message: 'loyalty is off on this till (disk_full). Go on with the sale without points.',
  },
  printer_unavailable: {
    message: 'no loyalty printer is configured on this till (see "printer" in the config)',
  },
};
