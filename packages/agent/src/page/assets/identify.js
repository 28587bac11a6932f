/**
 * A buyer without the card: the cashier types the phone, the agent finds the card (offline,
 * or at head office) and the buyer earns; to spend, head office texts a code the buyer reads
 * out. The agent decides; this shows what it said and passes its `identificationId` along.
 */
import { api } from './api.js';
import { normalisePhone } from './format.js';
import { $, refusalText, setText, show, t } from './page.js';
import { state } from './state.js';

/** Quote and sale bodies carry the identification of a card found by phone. */
export function identified() {
  const id = state.card?.identification;
  return id === undefined ? {} : { identificationId: id.identificationId };
}

/** Points may be spent: a scanned card, or a phone the buyer proved with the code. */
export function maySpend() {
  const id = state.card?.identification;
  return id === undefined || id.spending === 'allowed';
}

/** The identification part of the card panel, from `state.card`. */
export function renderIdentified() {
  // Only while no card is on screen: the phone is the way in when there is no card to scan.
  show('phone-form', state.card === null);
  const id = state.card?.identification;
  show('identified', id !== undefined);
  if (id === undefined) return;
  setText('identified-text', t(`identified_${id.spending}`));
  show('code-send', id.spending === 'code_needed');
  show('code-form', id.spending === 'code_needed' && id.codeSent === true);
}

async function findByPhone(showCard, afterCard) {
  setText('phone-error', '');
  const phone = normalisePhone($('find-phone').value);
  if (phone === null) return setText('phone-error', t('phoneInvalid'));
  const answer = await api.identify({ phone });
  if (!answer.ok)
    return setText('phone-error', answer.code === 'phone_unknown' ? t('phoneNotFound') : refusalText(answer));
  await showCard(answer.value.cardCode, undefined);
  if (state.card?.code !== answer.value.cardCode) return;
  state.card.identification = answer.value;
  $('find-phone').value = '';
  renderIdentified();
  afterCard();
}

async function sendCode() {
  const id = state.card?.identification;
  if (id === undefined) return;
  setText('code-error', '');
  const answer = await api.sendCode({ identificationId: id.identificationId });
  if (!answer.ok) {
    if (answer.code === 'head_office_unreachable') id.spending = 'earn_only';
    renderIdentified();
    return setText(
      'code-error',
      answer.code === 'head_office_unreachable' ? t('codeOffline') : refusalText(answer),
    );
  }
  id.codeSent = true;
  renderIdentified();
  setText('code-error', t('codeSent'));
  $('code-input').focus();
}

async function checkCode(onProved) {
  const id = state.card?.identification;
  if (id === undefined) return;
  const code = $('code-input').value.trim();
  if (!/^[0-9]{6}$/.test(code)) return setText('code-error', t('codeInvalid'));
  const answer = await api.verifyCode({ identificationId: id.identificationId, code });
  $('code-input').value = '';
  if (!answer.ok) {
    const text =
      answer.code === 'code_wrong'
        ? t('codeWrong', { left: String(answer.details?.attemptsLeft ?? 0) })
        : answer.code === 'code_expired'
          ? t('codeExpired')
          : refusalText(answer);
    return setText('code-error', text);
  }
  state.card.identification = answer.value;
  setText('code-error', '');
  renderIdentified();
  onProved();
}

/** The phone form and the code step; `showCard` and `afterCard` are the page's own. */
export function wireIdentify({ showCard, afterCard, onProved }) {
  const submit = (id, handler) =>
    $(id).addEventListener('submit', (event) => {
      event.preventDefault();
      void handler();
    });
  submit('phone-form', () => findByPhone(showCard, afterCard));
  submit('code-form', () => checkCode(onProved));
  $('code-send').addEventListener('click', () => void sendCode());
}
