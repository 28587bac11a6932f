import type { CodePageName, LoyaltySlipInput, ReceiptTemplateInput } from '../src/index';

/** The slips and printers the golden files in `fixtures/receipts/` are rendered from. */
export const sampleSlips = {
  en: {
    language: 'en',
    currency: 'RUB',
    cardMasked: '**** 4567',
    earnedPoints: 125,
    earnedReason: 'Double points on dairy',
    spentPoints: 150,
    spentValueMinor: 15000,
    balancePoints: 1234,
    pending: { points: 125, availableFrom: '2026-12-06' },
    expiringSoon: { points: 30, on: '2026-12-31' },
    tier: { name: 'Silver', nextName: 'Gold', leftToSpendMinor: 250000 },
    offer: {
      text: 'Your personal offer: 20% off coffee beans until Sunday',
      coupon: { code: 'TP-CPN-7F3K-92QA', symbology: 'qr' },
    },
    receiptId: 'R-0042-000173',
    at: '2026-11-22T19:30:05+03:00',
    storeName: 'Tillpoint Market, Tverskaya 7',
  },
  ru: {
    language: 'ru',
    currency: 'RUB',
    cardMasked: '**** 4567',
    earnedPoints: 125,
    earnedReason: 'Двойные баллы на молочные продукты',
    spentPoints: 150,
    spentValueMinor: 15000,
    balancePoints: 12345,
    pending: { points: 125, availableFrom: '2026-12-06' },
    expiringSoon: { points: 30, on: '2026-12-31' },
    tier: { name: 'Серебряный', nextName: 'Золотой', leftToSpendMinor: 250000 },
    offer: {
      text: 'Ваше персональное предложение: скидка 20% на кофе в зёрнах до воскресенья',
      coupon: { code: 'TP-CPN-7F3K-92QA', symbology: 'qr' },
    },
    receiptId: 'R-0042-000173',
    at: '2026-11-22T19:30:05+03:00',
    storeName: 'Магазин «Тиллпойнт», Тверская 7',
  },
} as const satisfies Record<string, LoyaltySlipInput>;

export interface GoldenCase {
  name: string;
  slip: LoyaltySlipInput;
  template: ReceiptTemplateInput;
  profile: string;
  columns: number;
  widthDots: number;
  codePage?: CodePageName;
}

function withCoupon(
  slip: LoyaltySlipInput,
  coupon: { code: string; symbology: 'qr' | 'code128' | 'ean13' } | undefined,
) {
  const { offer, ...rest } = slip;
  if (offer === undefined) return rest;
  if (coupon === undefined) return { ...rest, offer: { text: offer.text } };
  return { ...rest, offer: { text: offer.text, coupon } };
}

export const goldenCases: readonly GoldenCase[] = [
  {
    name: 'en-48-tm-t20ii-native-qr',
    slip: sampleSlips.en,
    template: {},
    profile: 'TM-T20II',
    columns: 48,
    widthDots: 576,
  },
  {
    name: 'ru-48-tm-t20ii-native-qr',
    slip: sampleSlips.ru,
    template: {},
    profile: 'TM-T20II',
    columns: 48,
    widthDots: 576,
  },
  {
    name: 'ru-48-tm-t20ii-cp1251-code128',
    slip: withCoupon(sampleSlips.ru, { code: 'CPN7F3K92QA', symbology: 'code128' }),
    template: {},
    profile: 'TM-T20II',
    columns: 48,
    widthDots: 576,
    codePage: 'CP1251',
  },
  {
    name: 'ru-42-tsp600-native-qr',
    slip: sampleSlips.ru,
    template: {},
    profile: 'TSP600',
    columns: 42,
    widthDots: 576,
  },
  {
    name: 'en-48-tsp600-no-coupon',
    slip: withCoupon(sampleSlips.en, undefined),
    template: {},
    profile: 'TSP600',
    columns: 48,
    widthDots: 576,
  },
  {
    name: 'ru-32-rp326-no-coupon',
    slip: withCoupon(sampleSlips.ru, undefined),
    template: {},
    profile: 'RP326',
    columns: 32,
    widthDots: 384,
  },
  {
    name: 'ru-32-rp326-raster-qr',
    slip: sampleSlips.ru,
    template: { codes: 'raster' },
    profile: 'RP326',
    columns: 32,
    widthDots: 384,
  },
  {
    name: 'en-32-pos-5890-raster-qr',
    slip: sampleSlips.en,
    template: {},
    profile: 'POS-5890',
    columns: 32,
    widthDots: 384,
  },
  {
    name: 'en-32-pos-5890-raster-ean13',
    slip: withCoupon(sampleSlips.en, { code: '4006381333931', symbology: 'ean13' }),
    template: {},
    profile: 'POS-5890',
    columns: 32,
    widthDots: 384,
  },
  {
    name: 'ru-32-rp326-custom-template',
    slip: sampleSlips.ru,
    template: {
      blocks: ['store', 'balance', 'earned', 'spent', 'offer', 'coupon'],
      wording: { ru: { balance: 'Ваш баланс', earned: 'Получено' } },
      codes: 'native',
      feedLines: 1,
      cut: false,
    },
    profile: 'RP326',
    columns: 32,
    widthDots: 384,
  },
];
