/**
 * The top of the page: loyalty, printer and agent chips, and the banners for loyalty off, head
 * office out of reach and printer problems. Words from the page's own tables only.
 */
import { renderPrintState } from './done.js';
import { $, settings, t } from './page.js';
import { state } from './state.js';
import { printerProblem as printerProblemOf, syncBanner } from './status.js';

export function renderStatus() {
  const loyaltyOff = state.loyalty?.state === 'unavailable';
  const chipLoyalty = $('chip-loyalty');
  chipLoyalty.textContent = state.loyalty === null ? '' : loyaltyOff ? t('loyaltyOff') : t('loyaltyOk');
  chipLoyalty.className = `chip ${loyaltyOff ? 'bad' : 'good'}`;

  const problem = printerProblem();
  const chipPrinter = $('chip-printer');
  chipPrinter.textContent =
    state.printer === null
      ? t('printerNone')
      : problem !== null
        ? t('printerProblem', { problem })
        : state.printer.state === 'ok'
          ? t('printerOk')
          : t('printerUnknown');
  chipPrinter.className = `chip ${problem !== null ? 'bad' : state.printer?.state === 'ok' ? 'good' : ''}`;

  const banners = $('banners');
  banners.replaceChildren();
  const banner = (text, kind) => {
    const p = document.createElement('p');
    p.className = `banner ${kind}`;
    p.textContent = text;
    banners.append(p);
  };
  if (loyaltyOff) banner(t('loyaltyOffBanner'), 'bad');
  const sync = syncBanner(state.sync, t, settings.locale, settings.timeZone);
  if (sync !== null) banner(sync, 'warn');
  if (problem !== null) banner(t('printerBanner', { problem }), 'warn');
  renderPrintState();
}

export function printerProblem() {
  return printerProblemOf(state.printer, t);
}

export function setLink(ok) {
  const chip = $('chip-link');
  chip.textContent = ok ? t('linkOk') : t('linkLost');
  chip.className = `chip ${ok ? 'good' : 'bad'}`;
}
