/**
 * The done panel after a sale: what was earned and spent, the new balance, the slip text, and
 * where the slip is (printing, printed, waiting for the printer); reprint.
 */
import { api } from './api.js';
import { newAttemptKey } from './format.js';
import { $, money, pts, refusalText, setPoints, setText, show, t } from './page.js';
import { state, wasPrinted } from './state.js';
import { printerProblem } from './status-view.js';

export function renderDone() {
  const done = state.sale;
  show('done-panel', done !== null);
  show('spend-form', done === null && state.quote !== null);
  show('basket-form', done === null && state.card !== null && state.card.blocked !== true);
  if (done === null) return;
  const s = done.answer;
  setText('done-title', t('saleDone', { receipt: s.receiptId }));
  setText('done-earned', `+${pts(s.earnedPoints)}`);
  setText(
    'done-spent',
    // the points spend and any catalogue reward together: points and the money they took off
    s.spentPoints === 0
      ? '0'
      : `−${pts(s.spentPoints)} (${money(s.spentDiscountMinor + (s.rewardDiscountMinor ?? 0))})`,
  );
  setText('done-balance', pts(s.balance.spendablePoints));
  setText('slip-text', s.slipText.join('\n'));
  renderWon(s.won ?? []);
  setPoints('card-balance', s.balance.spendablePoints);
  renderPrintState();
}

/** Gifts to hand over and coupons on the slip: the cashier must not miss them. */
function renderWon(won) {
  show('won', won.length > 0);
  const list = $('won-list');
  list.replaceChildren(
    ...won.map((w) => {
      const item = document.createElement('li');
      item.textContent = t(w.kind === 'gift' ? 'wonGift' : 'wonCoupon', { text: w.text });
      return item;
    }),
  );
}

export function renderPrintState() {
  const done = state.sale;
  if (done === null) return;
  const problem = printerProblem();
  const el = $('print-state');
  let text;
  if (state.printer === null) text = t('slipNoPrinter');
  else if (done.printed) text = t('slipPrinted');
  else if (done.printJobs.size === 0) text = t('slipNotQueued');
  else if (problem !== null) text = t('slipWaiting', { problem });
  else text = t('slipQueued');
  el.textContent = text;
  el.className = `print-state ${problem !== null && !done.printed ? 'warn' : done.printed ? 'good' : ''}`;
  $('reprint').disabled = state.printer === null;
}

export async function reprint() {
  const done = state.sale;
  if (done === null) return;
  const button = $('reprint');
  if (button.disabled) return;
  button.disabled = true;
  setText('done-error', '');
  setText('done-note', '');
  const answer = await api.print(done.answer.receiptId, { idempotencyKey: newAttemptKey('page-print') });
  button.disabled = false;
  if (!answer.ok) return setText('done-error', refusalText(answer));
  done.printJobs.add(answer.value.jobId);
  done.printed = wasPrinted(answer.value.jobId);
  renderPrintState();
  setText('done-note', t('reprintQueued'));
}
