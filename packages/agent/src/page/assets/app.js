/**
 * The cashier companion page: scan -> card -> basket -> quote -> spend -> confirm -> slip,
 * plus enrolment and returns. Plain DOM; every value reaches the page through textContent
 * (never innerHTML). The agent decides; the page shows, caps and asks once per attempt.
 */
import { api } from './api.js';
import {
  clampSpend,
  formatMoney,
  formatPoints,
  fractionDigits,
  newAttemptKey,
  normalisePhone,
  parseAmountMinor,
} from './format.js';
import { printerProblem as printerProblemOf, syncLimit } from './status.js';
import { translate } from './texts.js';

const root = document.documentElement;
const settings = {
  language: root.lang === 'ru' ? 'ru' : 'en',
  locale: root.dataset.locale || 'en-GB',
  currency: root.dataset.currency || 'RUB',
  pointValueMinor: Number(root.dataset.pointValueMinor || '0'),
  pointValuePoints: Number(root.dataset.pointValuePoints || '1'),
  store: root.dataset.store || '',
  till: root.dataset.till || '',
  categories: (root.dataset.categories || '').split(',').filter((c) => c.length > 0),
};
const digits = fractionDigits(settings.locale, settings.currency);
const linesMax = 20;
const recentMax = 20;

const t = (key, params) => translate(settings.language, key, params);
const money = (minor) => formatMoney(minor, settings.locale, settings.currency);
const pts = (n) => formatPoints(n, settings.locale);
const plural = new Intl.PluralRules(settings.locale);
/** "1 балл", "2 балла", "5 баллов": the unit after a big figure agrees with it. */
const setPoints = (id, n) => {
  setText(id, pts(n));
  setText(`${id}-unit`, t(`points_${plural.select(n)}`));
};
const $ = (id) => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el;
};
const show = (id, visible) => {
  $(id).hidden = !visible;
};
const setText = (id, text) => {
  $(id).textContent = text;
};
/** A refusal for the cashier: the agent's own sentence in English, the table's in other languages. */
const refusalText = (answer) => {
  if (answer.code === 'network') return t('error_network');
  const key = `error_${answer.code}`;
  return settings.language === 'en' || t(key) === key ? answer.message : t(key);
};
const sentence = (text) => String(text ?? '').replace(/[.\s]+$/, '');

// ---- state ----
const state = {
  card: null, // { code, info } | { code, unknown: true } | { code, blocked: true }
  quote: null,
  basket: null,
  /** One sale attempt: its idempotency key and body; kept until the agent answers for sure. */
  attempt: null,
  saleInFlight: false,
  sale: null,
  returnAttempt: null,
  loyalty: null,
  printer: null,
  sync: null,
  recent: loadRecent(),
};

function loadRecent() {
  try {
    const list = JSON.parse(sessionStorage.getItem('tillpoint.recent') ?? '[]');
    return Array.isArray(list) ? list.slice(0, recentMax) : [];
  } catch {
    return [];
  }
}

function rememberSale(sale, totalMinor) {
  state.recent = [
    { receiptId: sale.receiptId, cardCode: sale.cardCode, totalMinor },
    ...state.recent.filter((r) => r.receiptId !== sale.receiptId),
  ].slice(0, recentMax);
  sessionStorage.setItem('tillpoint.recent', JSON.stringify(state.recent));
  renderRecent();
}

// ---- static texts ----
function applyTexts() {
  document.title = `Tillpoint · ${settings.till}`;
  setText('where', [settings.store, settings.till].filter((s) => s.length > 0).join(' · '));
}

// ---- status: loyalty, printer, sync, link ----
function renderStatus() {
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
  if (loyaltyOff) banner(t('loyaltyOffBanner', { reason: sentence(state.loyalty.reason) }), 'bad');
  const sync = syncLimit(state.sync, t, settings.locale);
  if (sync !== null) banner(sync, 'warn');
  if (problem !== null) banner(t('printerBanner', { problem }), 'warn');
  renderPrintState();
}

function printerProblem() {
  return printerProblemOf(state.printer, t);
}

function setLink(ok) {
  const chip = $('chip-link');
  chip.textContent = ok ? t('linkOk') : t('linkLost');
  chip.className = `chip ${ok ? 'good' : 'bad'}`;
}

// ---- event stream ----
let stream = null;
function openEvents() {
  stream?.close();
  stream = new EventSource('/v1/events');
  stream.onopen = () => setLink(true);
  stream.onerror = () => setLink(false);
  const on = (type, handle) =>
    stream.addEventListener(type, (message) => {
      try {
        handle(JSON.parse(message.data).data);
      } catch (error) {
        console.error('bad event', type, error);
      }
    });
  on('loyalty', (data) => {
    state.loyalty = data;
    renderStatus();
  });
  on('printer', (data) => {
    if (typeof data.printed === 'string') {
      state.printer = { state: 'ok' };
      if (state.sale?.printJobs.has(data.printed)) state.sale.printed = true;
    } else state.printer = data;
    renderStatus();
  });
  on('sync', (data) => {
    state.sync = data;
    renderStatus();
  });
  on('card', async (data) => {
    if (state.saleInFlight || $('sale').hidden) return;
    if (data.source === 'head_office') return refreshCard(data);
    await showCard(String(data.cardCode), data.known === true ? data : undefined);
    focusAfterCard();
  });
}

// ---- sign in ----
async function start() {
  applyTexts();
  buildLines(1);
  wire();
  const health = await api.health();
  if (!health.ok && (health.status === 401 || health.status === 403)) return showLogin();
  enterApp(health.ok ? health.value : null);
}

function showLogin() {
  show('login', true);
  show('sale', false);
  show('return', false);
  show('tabs', false);
  $('login-token').focus();
}

function enterApp(health) {
  show('login', false);
  show('tabs', true);
  if (health !== null) {
    state.loyalty = health.loyalty.available
      ? { state: 'available' }
      : { state: 'unavailable', reason: health.loyalty.problem ?? '' };
    state.printer =
      health.printer === null ? null : { state: health.printer.state, message: health.printer.message };
  }
  renderStatus();
  renderRecent();
  selectTab('sale');
  openEvents();
}

// ---- card ----
async function showCard(code, known) {
  resetSale();
  $('card-code').value = code;
  setText('card-error', '');
  let info = known;
  if (info === undefined) {
    const answer = await api.card(code);
    if (answer.ok) info = answer.value;
    else if (answer.code === 'card_unknown' && answer.details?.reason === 'not_registered') {
      state.card = { code, unknown: true };
      return renderCard();
    } else {
      state.card = null;
      setText('card-error', answer.code === 'card_unknown' ? t('misread') : refusalText(answer));
      return renderCard();
    }
  }
  state.card = info.status === 'blocked' ? { code, blocked: true, info } : { code, info };
  renderCard();
}

/**
 * Head office's balance arrived for a card scanned a moment ago (first visit at this store):
 * update the card on screen in place, keeping what the cashier typed; a quote made before it
 * is dropped (it did not count those points). Another card on screen is left alone.
 */
function refreshCard(data) {
  const card = state.card;
  if (card === null || card.code !== String(data.cardCode) || data.known !== true) return;
  const wasUnknown = card.unknown === true;
  state.card =
    data.status === 'blocked'
      ? { code: card.code, blocked: true, info: data }
      : { code: card.code, info: data };
  renderCard();
  if (state.quote !== null) invalidateQuote();
  if (wasUnknown && document.activeElement === $('enrol-phone') && $('enrol-phone').value === '')
    focusAfterCard();
}

/** After a card: the phone for a new card, the first amount for a known one. */
function focusAfterCard() {
  if (state.card?.unknown === true) $('enrol-phone').focus();
  else if (state.card !== null && state.card.blocked !== true) firstAmountInput().focus();
}

function renderCard() {
  const card = state.card;
  show('card-panel', card !== null || $('card-error').textContent !== '');
  show('card-known', card?.info !== undefined && card.blocked !== true);
  show('card-unknown', card?.unknown === true);
  show('card-blocked', card?.blocked === true);
  const canEnrol = card?.unknown === true || card?.info?.status === 'anonymous';
  show('enrol-form', canEnrol);
  setText('enrol-title', card?.unknown === true ? t('enrolTitle') : t('activateTitle'));
  show('basket-form', card !== null && card.blocked !== true);
  $('card-panel').classList.toggle('is-blocked', card?.blocked === true);
  if (card?.info !== undefined) {
    const info = card.info;
    setPoints('card-balance', info.spendablePoints);
    setText('card-tier', info.tier === null ? t('noTier') : t('tier', { name: info.tier.name }));
    setText('card-status', info.status === 'enrolled' ? t('statusEnrolled') : t('statusAnonymous'));
    const notes = $('card-notes');
    notes.replaceChildren();
    const note = (text) => {
      const li = document.createElement('li');
      li.textContent = text;
      notes.append(li);
    };
    if (info.nextTier !== null)
      note(t('nextTier', { left: money(info.nextTier.leftToSpendMinor), name: info.nextTier.name }));
    if (info.pendingPoints > 0) note(t('pending', { points: pts(info.pendingPoints) }));
    if (info.heldPoints > 0) note(t('held', { points: pts(info.heldPoints) }));
    for (const e of info.expiringSoon.slice(0, 2))
      note(
        t('expiring', {
          points: pts(e.points),
          date: new Date(e.expiresAt).toLocaleDateString(settings.locale),
        }),
      );
  }
}

async function enrol() {
  const card = state.card;
  if (card === null) return;
  setText('enrol-error', '');
  const phone = normalisePhone($('enrol-phone').value);
  if (phone === null) return setText('enrol-error', t('phoneInvalid'));
  if (!$('enrol-consent').checked) return setText('enrol-error', t('consentMissing'));
  const button = $('enrol-form').querySelector('button');
  button.disabled = true;
  card.enrolKey ??= newAttemptKey('page-enrol');
  const answer = await api.enrol(card.code, { idempotencyKey: card.enrolKey, phone, consent: true });
  button.disabled = false;
  if (!answer.ok) {
    if (answer.code !== 'network') card.enrolKey = undefined;
    return setText('enrol-error', refusalText(answer));
  }
  state.card = { code: card.code, info: answer.value };
  $('enrol-phone').value = '';
  $('enrol-consent').checked = false;
  renderCard();
  setText('card-status', t('enrolled'));
  firstAmountInput().focus();
}

// ---- basket ----
function buildLines(count) {
  const lines = $('lines');
  const kept = [...lines.querySelectorAll('.line')].map((row) => ({
    amount: row.querySelector('.amount').value,
    category: row.querySelector('select')?.value ?? '',
  }));
  lines.replaceChildren();
  for (let i = 0; i < count; i++) {
    const n = i + 1;
    const row = document.createElement('div');
    row.className = 'line';
    const amountId = `line-${n}-amount`;
    const amountLabel = document.createElement('label');
    amountLabel.htmlFor = amountId;
    amountLabel.textContent = t('lineAmount', { n });
    const amount = document.createElement('input');
    amount.id = amountId;
    amount.className = 'amount';
    amount.inputMode = 'decimal';
    amount.autocomplete = 'off';
    amount.maxLength = 24;
    amount.value = kept[i]?.amount ?? '';
    amount.addEventListener('input', invalidateQuote);
    row.append(amountLabel, amount);
    if (settings.categories.length > 0) {
      const categoryId = `line-${n}-category`;
      const categoryLabel = document.createElement('label');
      categoryLabel.htmlFor = categoryId;
      categoryLabel.textContent = t('lineCategory', { n });
      const select = document.createElement('select');
      select.id = categoryId;
      select.append(new Option(t('categoryOther'), ''));
      for (const c of settings.categories) select.append(new Option(c, c));
      select.value = kept[i]?.category ?? '';
      select.addEventListener('change', invalidateQuote);
      row.append(categoryLabel, select);
    }
    if (count > 1) {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'quiet remove';
      remove.textContent = '×';
      remove.setAttribute('aria-label', t('lineRemove', { n }));
      remove.addEventListener('click', () => {
        row.remove();
        const rest = [...lines.querySelectorAll('.line')].length;
        buildLines(rest);
        invalidateQuote();
      });
      row.append(remove);
    }
    lines.append(row);
  }
  $('add-line').disabled = count >= linesMax;
}

const firstAmountInput = () => $('line-1-amount');

/** The basket as the API takes it, or the number of the first line that is not an amount. */
function readBasket() {
  const rows = [...$('lines').querySelectorAll('.line')];
  const lines = [];
  for (const [i, row] of rows.entries()) {
    const amountMinor = parseAmountMinor(row.querySelector('.amount').value, digits);
    if (amountMinor === null || amountMinor === 0) return { badLine: i + 1 };
    const category = row.querySelector('select')?.value ?? '';
    lines.push({
      id: String(i + 1),
      sku: category === '' ? 'page-item' : `page-${category}`,
      ...(category === '' ? {} : { category }),
      quantity: 1,
      unitPriceMinor: amountMinor,
      amountMinor,
    });
  }
  return { basket: { currency: settings.currency, lines } };
}

function invalidateQuote() {
  if (state.saleInFlight) return;
  state.quote = null;
  state.attempt = null;
  show('spend-form', false);
}

async function requestQuote() {
  setText('basket-error', '');
  const card = state.card;
  if (card === null || card.blocked === true) return;
  const read = readBasket();
  if (read.basket === undefined) {
    setText('basket-error', t('amountInvalid', { n: read.badLine }));
    $(`line-${read.badLine}-amount`).focus();
    return;
  }
  const answer = await api.quote({ cardCode: card.code, basket: read.basket });
  if (!answer.ok) return setText('basket-error', refusalText(answer));
  state.quote = answer.value;
  state.basket = read.basket;
  state.attempt = null;
  renderQuote();
  $('spend').focus();
  $('spend').select();
}

function renderQuote() {
  const q = state.quote;
  show('spend-form', q !== null);
  if (q === null) return;
  const r = q.redemption;
  setPoints('quote-earn', q.earned.totalPoints);
  setText(
    'quote-earn-later',
    q.earned.pendingPoints > 0 ? t('earnLater', { points: pts(q.earned.pendingPoints) }) : '',
  );
  setPoints('quote-max', r.maxPoints);
  setText(
    'quote-max-value',
    r.maxPoints > 0 ? t('worth', { amount: money(r.maxDiscountMinor) }) : t('nothingToSpend'),
  );
  const list = $('limits-list');
  list.replaceChildren();
  for (const limit of r.limitedBy) {
    const li = document.createElement('li');
    // English: the agent's own sentence (with its numbers); other languages: the table's.
    const key = `limit_${limit.code}`;
    li.textContent = settings.language === 'en' || t(key) === key ? limit.text : t(key);
    list.append(li);
  }
  show('limits', r.limitedBy.length > 0);
  const spend = $('spend');
  spend.max = String(r.maxPoints);
  spend.value = '0';
  spend.disabled = r.maxPoints === 0;
  setText('spend-label', t('spendLabel', { max: pts(r.maxPoints) }));
  renderSpend();
}

/** Keeps the spend a whole number from 0 to the quote's maximum, and shows what it pays. */
function renderSpend() {
  const q = state.quote;
  if (q === null) return;
  const spendInput = $('spend');
  const max = q.redemption.maxPoints;
  const typed = spendInput.value;
  const spend = clampSpend(typed, max);
  let note = '';
  if (String(spend) !== typed && typed !== '') {
    spendInput.value = String(spend);
    if (Number(typed) > max) note = t('spendCapped', { max: pts(max) });
  }
  if (spend > 0 && spend < q.redemption.minPoints)
    note = t('spendBelowMin', { min: pts(q.redemption.minPoints) });
  setText('spend-note', note);
  const value = Math.floor((spend * settings.pointValueMinor) / settings.pointValuePoints);
  setText('spend-value', money(value));
  setText('to-pay', money(q.basketTotalMinor - value));
}

// ---- sale ----
async function confirmSale() {
  if (state.saleInFlight) return; // a double-click's second click
  const q = state.quote;
  const card = state.card;
  if (q === null || card === null || state.basket === null) return;
  const spend = clampSpend($('spend').value, q.redemption.maxPoints);
  if (spend > 0 && spend < q.redemption.minPoints) return;
  // The key is made once per attempt: a retry after no answer repeats the same request.
  if (state.attempt === null) {
    const typedReceipt = $('receipt-no').value.trim();
    const key = newAttemptKey('page-sale');
    state.attempt = {
      body: {
        idempotencyKey: key,
        receiptId: typedReceipt.length > 0 ? typedReceipt.slice(0, 64) : `P-${key.slice(-12).toUpperCase()}`,
        cardCode: card.code,
        basket: state.basket,
        spendPoints: spend,
      },
    };
  }
  const body = state.attempt.body;
  state.saleInFlight = true;
  const button = $('confirm');
  button.disabled = true;
  $('spend').readOnly = true;
  $('receipt-no').readOnly = true;
  button.textContent = t('sending');
  setText('sale-error', '');
  const answer = await api.sale(body);
  state.saleInFlight = false;
  button.disabled = false;
  button.textContent = t('confirm');
  if (!answer.ok) {
    if (answer.code === 'network') {
      setText('sale-error', t('retrySame'));
      return;
    }
    state.attempt = null;
    $('spend').readOnly = false;
    $('receipt-no').readOnly = false;
    setText('sale-error', refusalText(answer));
    return;
  }
  $('spend').readOnly = false;
  $('receipt-no').readOnly = false;
  const sale = answer.value;
  state.sale = {
    answer: sale,
    printJobs: new Set(sale.printJobId === null ? [] : [sale.printJobId]),
    printed: false,
  };
  rememberSale(sale, state.basket.lines.reduce((sum, l) => sum + l.amountMinor, 0) - sale.spentDiscountMinor);
  renderDone();
  $('next-buyer').focus();
}

function renderDone() {
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
    s.spentPoints === 0 ? '0' : `−${pts(s.spentPoints)} (${money(s.spentDiscountMinor)})`,
  );
  setText('done-balance', pts(s.balance.spendablePoints));
  setText('slip-text', s.slipText.join('\n'));
  setPoints('card-balance', s.balance.spendablePoints);
  renderPrintState();
}

function renderPrintState() {
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

async function reprint() {
  const done = state.sale;
  if (done === null) return;
  const button = $('reprint');
  if (button.disabled) return;
  button.disabled = true;
  setText('done-error', '');
  const answer = await api.print(done.answer.receiptId, { idempotencyKey: newAttemptKey('page-print') });
  button.disabled = false;
  if (!answer.ok) return setText('done-error', refusalText(answer));
  done.printJobs.add(answer.value.jobId);
  done.printed = false;
  renderPrintState();
  setText('done-error', t('reprintQueued'));
}

function resetSale() {
  state.quote = null;
  state.basket = null;
  state.attempt = null;
  state.sale = null;
  $('receipt-no').value = '';
  setText('sale-error', '');
  setText('done-error', '');
  setText('basket-error', '');
  setText('enrol-error', '');
  show('spend-form', false);
  show('done-panel', false);
}

function nextBuyer() {
  resetSale();
  state.card = null;
  $('lines').replaceChildren();
  buildLines(1);
  $('card-code').value = '';
  setText('card-error', '');
  renderCard();
  $('card-code').focus();
}

// ---- return ----
function renderRecent() {
  const list = $('recent-receipts');
  list.replaceChildren(
    ...state.recent.map((r) => {
      const option = document.createElement('option');
      option.value = r.receiptId;
      option.label = `${r.receiptId} · ${money(r.totalMinor)}`;
      return option;
    }),
  );
  setText(
    'recent-hint',
    state.recent.length === 0
      ? ''
      : `${t('recentSales')}: ${state.recent
          .slice(0, 5)
          .map((r) => `${r.receiptId} (${money(r.totalMinor)})`)
          .join(', ')}`,
  );
}

async function confirmReturn() {
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
  const same =
    state.returnAttempt !== null && JSON.stringify(state.returnAttempt.body) === JSON.stringify(body);
  if (!same) state.returnAttempt = { key: newAttemptKey('page-return'), body };
  const button = $('return-form').querySelector('button[type=submit]');
  if (button.disabled) return;
  button.disabled = true;
  const answer = await api.returnSale({ idempotencyKey: state.returnAttempt.key, ...body });
  button.disabled = false;
  if (!answer.ok) {
    if (answer.code !== 'network') state.returnAttempt = null;
    return setText('return-error', refusalText(answer));
  }
  state.returnAttempt = null;
  const r = answer.value;
  setText(
    'return-done',
    t('returnDone', {
      reversed: pts(r.earnedReversedPoints),
      restored: pts(r.spentRestoredPoints),
      balance: pts(r.balance.spendablePoints),
    }),
  );
  $('return-amount').value = '';
}

// ---- tabs and wiring ----
function selectTab(tab) {
  show('sale', tab === 'sale');
  show('return', tab === 'return');
  $('tab-sale').setAttribute('aria-pressed', String(tab === 'sale'));
  $('tab-return').setAttribute('aria-pressed', String(tab === 'return'));
  (tab === 'sale' ? $('card-code') : $('return-receipt')).focus();
}

function submit(id, handler) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    void handler();
  });
}

function wire() {
  submit('login-form', async () => {
    setText('login-error', '');
    const answer = await api.login($('login-token').value);
    $('login-token').value = '';
    if (!answer.ok)
      return setText('login-error', answer.status === 401 ? t('loginWrong') : refusalText(answer));
    const health = await api.health();
    enterApp(health.ok ? health.value : null);
  });
  submit('card-form', async () => {
    const code = $('card-code').value.trim();
    if (code.length === 0) return;
    await showCard(code, undefined);
    focusAfterCard();
  });
  submit('enrol-form', enrol);
  submit('basket-form', requestQuote);
  submit('spend-form', confirmSale);
  submit('return-form', confirmReturn);
  $('spend').addEventListener('input', renderSpend);
  $('add-line').addEventListener('click', () => {
    const count = $('lines').querySelectorAll('.line').length;
    if (count >= linesMax) return;
    buildLines(count + 1);
    invalidateQuote();
    $(`line-${count + 1}-amount`).focus();
  });
  $('reprint').addEventListener('click', () => void reprint());
  $('next-buyer').addEventListener('click', nextBuyer);
  $('tab-sale').addEventListener('click', () => selectTab('sale'));
  $('tab-return').addEventListener('click', () => selectTab('return'));
  $('sign-out').addEventListener('click', async () => {
    await api.logout();
    stream?.close();
    showLogin();
  });
}

void start();
