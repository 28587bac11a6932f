/**
 * The cashier companion page: scan -> card -> basket -> quote -> spend -> confirm -> slip,
 * plus enrolment and returns. Plain DOM; every value reaches the page through textContent
 * (never innerHTML). The agent decides; the page shows, caps and asks once per attempt.
 */
import { api } from './api.js';
import { buildLines as build, firstAmountInput, linesMax, readBasket } from './basket.js';
import { renderDone, reprint } from './done.js';
import { clampSpend, newAttemptKey, normalisePhone } from './format.js';
import { identified, maySpend, renderIdentified, wireIdentify } from './identify.js';
import { $, day, money, pts, refusalText, setPoints, setText, settings, show, t } from './page.js';
import { confirmReturn, loadRecentFromAgent, rememberSale, renderRecent } from './returns.js';
import { chosenRewards, renderRewards, rewardDiscount } from './rewards.js';
import { loadShift, wireShift } from './shift.js';
import { notePrinted, state, wasPrinted } from './state.js';
import { renderStatus, setLink } from './status-view.js';

const buildLines = (count) => build(count, invalidateQuote);

// ---- static texts ----
function applyTexts() {
  document.title = `Tillpoint · ${settings.till}`;
  setText('where', [settings.store, settings.till].filter((s) => s.length > 0).join(' · '));
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
      notePrinted(data.printed);
      if (state.sale?.printJobs.has(data.printed)) state.sale.printed = true;
    } else state.printer = data;
    renderStatus();
  });
  on('sync', (data) => {
    state.sync = data;
    renderStatus();
  });
  // A misread from the scanner (a code in a card range with a wrong check digit): the agent
  // sends it as a scan with `card: 'invalid_check_digit'` and no card event.
  on('scan', (data) => {
    if (state.saleInFlight || $('sale').hidden || data.card !== 'invalid_check_digit') return;
    showMisread(String(data.code ?? ''));
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
    state.loyalty = health.loyalty.available ? { state: 'available' } : { state: 'unavailable' };
    state.printer =
      health.printer === null ? null : { state: health.printer.state, message: health.printer.message };
  }
  renderStatus();
  renderRecent();
  selectTab('sale');
  openEvents();
}

// ---- card ----
function showMisread(code) {
  resetSale();
  state.card = null;
  $('card-code').value = code.slice(0, 64);
  setText('card-error', t('misread'));
  renderCard();
  $('card-code').focus();
  $('card-code').select();
}

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
  if (card.identification !== undefined) state.card.identification = card.identification;
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
  renderIdentified();
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
          date: day(e.expiresAt),
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

// ---- basket and quote ----
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
  state.reward = '';
  const answer = await api.quote({ cardCode: card.code, ...identified(), basket: read.basket });
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
  renderRewards(q, state.reward);
  const spend = $('spend');
  spend.max = String(r.maxPoints);
  spend.value = '0';
  spend.disabled = r.maxPoints === 0 || !maySpend();
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
  const value =
    Math.floor((spend * settings.pointValueMinor) / settings.pointValuePoints) + rewardDiscount(q).minor;
  setText('spend-value', money(value));
  setText('to-pay', money(q.basketTotalMinor - value));
}

/** The cashier picked a reward (or none): the agent quotes the basket with it. */
async function pickReward() {
  if (state.quote === null || state.card === null || state.basket === null) return;
  const rewardId = $('reward-choice').value;
  const answer = await api.quote({
    cardCode: state.card.code,
    ...identified(),
    basket: state.basket,
    ...chosenRewards(rewardId),
  });
  if (!answer.ok) return setText('reward-note', refusalText(answer));
  state.reward = rewardId;
  state.quote = answer.value;
  state.attempt = null;
  renderQuote();
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
        ...identified(),
        basket: state.basket,
        spendPoints: spend,
        ...chosenRewards(state.reward),
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
    printed: sale.printJobId !== null && wasPrinted(sale.printJobId),
  };
  rememberSale(
    sale.receiptId,
    sale.cardCode,
    state.basket.lines.reduce((sum, l) => sum + l.amountMinor, 0),
  );
  renderDone();
  $('next-buyer').focus();
  await refreshCardAfterSale(card.code);
}

/**
 * After a sale the card panel shows the card as it is now (balance, tier progress, pending and
 * expiring points), never the notes from before the sale.
 */
async function refreshCardAfterSale(code) {
  const answer = await api.card(code);
  if (!answer.ok || state.card?.code !== code || state.sale === null) return;
  state.card =
    answer.value.status === 'blocked'
      ? { code, blocked: true, info: answer.value }
      : { code, info: answer.value };
  renderCard();
  renderDone();
}

function resetSale() {
  state.quote = null;
  state.basket = null;
  state.reward = '';
  state.attempt = null;
  state.sale = null;
  $('receipt-no').value = '';
  setText('sale-error', '');
  setText('done-error', '');
  setText('done-note', '');
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

// ---- tabs and wiring ----
function selectTab(tab) {
  for (const name of ['sale', 'return', 'shift']) {
    show(name, tab === name);
    $(`tab-${name}`).setAttribute('aria-pressed', String(tab === name));
  }
  if (tab === 'shift') return void loadShift();
  if (tab === 'return') void loadRecentFromAgent();
  (tab === 'sale' ? $('card-code') : $('return-receipt')).focus();
}

/** From the shift's list: the return tab, on that receipt. */
function startReturn(receiptId) {
  selectTab('return');
  $('return-receipt').value = receiptId;
  $('return-amount').focus();
}

function loginProblem(answer) {
  if (answer.status === 401) return t('loginWrong');
  if (answer.status === 403) return t('loginHost', { port: location.port || '80' });
  if (answer.status === 429) return t('loginSlow');
  return refusalText(answer);
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
    if (!answer.ok) return setText('login-error', loginProblem(answer));
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
  wireIdentify({
    showCard,
    afterCard: focusAfterCard,
    onProved: () => state.quote !== null && renderQuote(),
  });
  submit('basket-form', requestQuote);
  submit('spend-form', confirmSale);
  submit('return-form', confirmReturn);
  $('spend').addEventListener('input', renderSpend);
  $('reward-choice').addEventListener('change', pickReward);
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
  $('tab-shift').addEventListener('click', () => selectTab('shift'));
  wireShift(startReturn);
  $('sign-out').addEventListener('click', async () => {
    await api.logout();
    stream?.close();
    showLogin();
  });
}

void start();
