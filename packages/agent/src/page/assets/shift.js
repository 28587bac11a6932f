/**
 * The shift tab: today's totals at this till (GET /v1/shift, from midnight in the shop's zone)
 * and its latest sales (GET /v1/sales/recent), whatever browser made them. From a sale the
 * cashier starts a return, or cancels it within the till's cancel window (a second press
 * confirms; one idempotency key per sale, so a retry gets the first answer).
 */
import { api } from './api.js';
import { newAttemptKey } from './format.js';
import { $, money, pts, refusalText, setText, settings, t } from './page.js';

/** Sales shown in the list (the agent answers up to 50). */
const shownMax = 30;
/** The sale whose "Cancel" was pressed once, waiting for the confirming press. */
let confirming = null;
/** Cancel attempts by receipt: the same key until the agent answers for sure. */
const cancelKeys = new Map();
let onReturn = () => undefined;

/** The shop's clock for a sale's time ("14:05"). */
const time = (at) =>
  new Date(at).toLocaleTimeString(settings.locale, {
    timeZone: settings.timeZone,
    hour: '2-digit',
    minute: '2-digit',
  });

/** A card as the list shows it: its last four digits (the slip and the POS hold the rest). */
const cardTail = (code) => (code.length > 4 ? `…${code.slice(-4)}` : code);

/** `startReturn(receiptId)` opens the return tab on that receipt. */
export function wireShift(startReturn) {
  onReturn = startReturn;
  $('shift-refresh').addEventListener('click', () => void loadShift());
}

export async function loadShift() {
  setText('shift-error', '');
  const [shift, recent] = await Promise.all([api.shift(), api.recentSales()]);
  if (!shift.ok) return setText('shift-error', refusalText(shift));
  const s = shift.value;
  setText('shift-from', t('shiftFrom', { time: time(s.from) }));
  setText('shift-sales', String(s.sales));
  setText('shift-total', money(s.basketTotalMinor));
  setText('shift-earned', pts(s.earnedPoints));
  setText('shift-spent', pts(s.spentPoints));
  setText('shift-returns', t('shiftReturns', { n: String(s.returnedSales), amount: money(s.refundedMinor) }));
  if (!recent.ok) return setText('shift-error', refusalText(recent));
  renderSales(recent.value.sales.slice(0, shownMax));
}

function renderSales(sales) {
  $('shift-empty').hidden = sales.length > 0;
  $('shift-list').replaceChildren(...sales.map(saleRow));
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function saleRow(sale) {
  const row = document.createElement('tr');
  row.dataset.receipt = sale.receiptId;
  const left = sale.moneyMinor - sale.refundedMinor;
  row.append(
    cell(time(sale.at)),
    cell(sale.receiptId),
    cell(cardTail(sale.cardCode)),
    cell(money(sale.basketTotalMinor), 'num'),
    cell(sale.earnedPoints === 0 ? '' : `+${pts(sale.earnedPoints)}`, 'num'),
    cell(sale.spentPoints === 0 ? '' : `−${pts(sale.spentPoints)}`, 'num'),
    cell(sale.refundedMinor === 0 ? '' : t('shiftRefunded', { amount: money(sale.refundedMinor) })),
  );
  const actions = document.createElement('div');
  actions.className = 'actions';
  if (left > 0 || sale.moneyMinor === 0) {
    const back = document.createElement('button');
    back.type = 'button';
    back.className = 'quiet';
    back.textContent = t('shiftReturn');
    back.addEventListener('click', () => onReturn(sale.receiptId));
    actions.append(back);
  }
  if (sale.refundedMinor === 0 && sale.moneyMinor > 0) {
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'quiet danger';
    cancel.textContent = t('shiftCancel');
    cancel.addEventListener('click', () => void cancelSale(sale, cancel));
    actions.append(cancel);
  }
  const last = document.createElement('td');
  last.append(actions);
  row.append(last);
  return row;
}

async function cancelSale(sale, button) {
  setText('shift-error', '');
  setText('shift-done', '');
  if (confirming !== sale.receiptId) {
    confirming = sale.receiptId;
    button.textContent = t('shiftCancelConfirm', { receipt: sale.receiptId });
    return;
  }
  confirming = null;
  if (button.disabled) return;
  button.disabled = true;
  const key = cancelKeys.get(sale.receiptId) ?? newAttemptKey('page-cancel');
  cancelKeys.set(sale.receiptId, key);
  const answer = await api.cancelSale(sale.receiptId, { idempotencyKey: key });
  button.disabled = false;
  if (!answer.ok) {
    if (answer.code !== 'network') cancelKeys.delete(sale.receiptId);
    button.textContent = t('shiftCancel');
    const reason = answer.details?.reason;
    const text = answer.code === 'cancel_refused' && typeof reason === 'string' ? t(`cancel_${reason}`) : '';
    return setText('shift-error', text && !text.startsWith('cancel_') ? text : refusalText(answer));
  }
  cancelKeys.delete(sale.receiptId);
  const r = answer.value;
  setText(
    'shift-done',
    t('shiftCancelled', {
      receipt: sale.receiptId,
      reversed: pts(r.earnedReversedPoints),
      restored: pts(r.spentRestoredPoints),
    }),
  );
  await loadShift();
}
