/**
 * The return tab: a return against a sale made at this page recently (kept in this browser
 * tab's session storage), with one idempotency key per attempt.
 */
import { api } from './api.js';
import { newAttemptKey, parseAmountMinor } from './format.js';
import { $, digits, money, pts, refusalText, setText, t } from './page.js';
import { state } from './state.js';

const recentMax = 20;
let recent = loadRecent();
/** One return attempt: its key and body, kept until the agent answers for sure. */
let attempt = null;

function loadRecent() {
  try {
    const list = JSON.parse(sessionStorage.getItem('tillpoint.recent') ?? '[]');
    return Array.isArray(list) ? list.slice(0, recentMax) : [];
  } catch {
    return [];
  }
}

/**
 * A sale to offer for returns, with its total: the basket's amount, the same figure the agent
 * counts a return against (what was paid with points included).
 */
export function rememberSale(receiptId, cardCode, totalMinor) {
  recent = [{ receiptId, cardCode, totalMinor }, ...recent.filter((r) => r.receiptId !== receiptId)].slice(
    0,
    recentMax,
  );
  sessionStorage.setItem('tillpoint.recent', JSON.stringify(recent));
  renderRecent();
}

/**
 * The till's own latest sales (any browser, any page session) join this tab's: a receipt made
 * before a page reload, or on another register's browser of this till, is still offered.
 */
export async function loadRecentFromAgent() {
  const answer = await api.recentSales();
  if (!answer.ok) return;
  const known = new Set(recent.map((r) => r.receiptId));
  const fromAgent = answer.value.sales
    .filter((s) => !known.has(s.receiptId))
    .map((s) => ({ receiptId: s.receiptId, cardCode: s.cardCode, totalMinor: s.basketTotalMinor }));
  recent = [...recent, ...fromAgent].slice(0, recentMax);
  renderRecent();
}

export function renderRecent() {
  const list = $('recent-receipts');
  list.replaceChildren(
    ...recent.map((r) => {
      const option = document.createElement('option');
      option.value = r.receiptId;
      option.label = `${r.receiptId} · ${money(r.totalMinor)}`;
      return option;
    }),
  );
  setText(
    'recent-hint',
    recent.length === 0
      ? ''
      : `${t('recentSales')}: ${recent
          .slice(0, 5)
          .map((r) => `${r.receiptId} (${money(r.totalMinor)})`)
          .join(', ')}`,
  );
}

export async function confirmReturn() {
  setText('return-error', '');
  setText('return-done', '');
  const receiptId = $('return-receipt').value.trim();
  const amountMinor = parseAmountMinor($('return-amount').value, digits);
  if (receiptId.length === 0) return $('return-receipt').focus();
  if (amountMinor === null || amountMinor === 0) {
    setText('return-error', t('amountInvalid', { n: 1 }));
    return $('return-amount').focus();
  }
  const body = { originalReceiptId: receiptId.slice(0, 64), returnedAmountMinor: amountMinor };
  // A card scanned on the sale tab finds another till's sale at head office (or books it offline).
  if (typeof state.card?.code === 'string' && state.card.unknown !== true) body.cardCode = state.card.code;
  const same = attempt !== null && JSON.stringify(attempt.body) === JSON.stringify(body);
  if (!same) attempt = { key: newAttemptKey('page-return'), body };
  const button = $('return-form').querySelector('button[type=submit]');
  if (button.disabled) return;
  button.disabled = true;
  const answer = await api.returnSale({ idempotencyKey: attempt.key, ...body });
  button.disabled = false;
  if (!answer.ok) {
    if (answer.code !== 'network') attempt = null;
    return setText('return-error', refusalText(answer));
  }
  attempt = null;
  const r = answer.value;
  setText(
    'return-done',
    r.pointsSettled === false
      ? t('returnUnsettled')
      : t('returnDone', {
          reversed: pts(r.earnedReversedPoints),
          restored: pts(r.spentRestoredPoints),
          balance: pts(r.balance.spendablePoints),
        }),
  );
  $('return-amount').value = '';
}
