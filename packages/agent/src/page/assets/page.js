/**
 * What every part of the page shares: the till's settings from index.html, the words, money
 * and points formatting, and small DOM helpers. Every value reaches the page through
 * textContent (never innerHTML).
 */
import { formatMoney, formatPoints, fractionDigits } from './format.js';
import { translate } from './texts.js';

const root = document.documentElement;
export const settings = {
  language: root.lang === 'ru' ? 'ru' : 'en',
  locale: root.dataset.locale || 'en-GB',
  currency: root.dataset.currency || 'RUB',
  pointValueMinor: Number(root.dataset.pointValueMinor || '0'),
  pointValuePoints: Number(root.dataset.pointValuePoints || '1'),
  timeZone: usableTimeZone(root.dataset.timeZone),
  store: root.dataset.store || '',
  till: root.dataset.till || '',
  categories: (root.dataset.categories || '').split(',').filter((c) => c.length > 0),
};
/**
 * The shop's zone for dates and times, when this browser knows it ("UTC", "Europe/Moscow",
 * "+03:00" in current browsers); otherwise the browser's own zone (the till's clock).
 */
function usableTimeZone(zone) {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

export const digits = fractionDigits(settings.locale, settings.currency);

export const t = (key, params) => translate(settings.language, key, params);
export const money = (minor) => formatMoney(minor, settings.locale, settings.currency);
export const pts = (n) => formatPoints(n, settings.locale);
/** A day as the shop's calendar reads it ("22.11.2026", "22/11/2026"). */
export const day = (at) => new Date(at).toLocaleDateString(settings.locale, { timeZone: settings.timeZone });
const plural = new Intl.PluralRules(settings.locale);

export const $ = (id) => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el;
};
export const show = (id, visible) => {
  $(id).hidden = !visible;
};
export const setText = (id, text) => {
  $(id).textContent = text;
};
/** "1 балл", "2 балла", "5 баллов": the unit after a big figure agrees with it. */
export const setPoints = (id, n) => {
  setText(id, pts(n));
  setText(`${id}-unit`, t(`points_${plural.select(n)}`));
};

/**
 * A refusal for the cashier, always in the page's own words: the agent's `message` is for
 * developers and logs (it may name files, bytes or minor units). Codes the page does not know
 * get a general sentence naming the code, for store IT.
 */
export const refusalText = (answer) => {
  if (answer.code === 'network') return t('error_network');
  if (answer.code === 'return_exceeds_sale' && Number.isSafeInteger(answer.details?.left))
    return t('returnLeft', { amount: money(answer.details.left) });
  const key = `error_${answer.code}`;
  const known = t(key);
  return known === key ? t('error_other', { code: String(answer.code).slice(0, 40) }) : known;
};
