import { type Adjustment, api, type CardAnswer, loadSettings, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { whole } from '../format';
import { isTextKey, t } from '../i18n';
import { eraseForm, profileForm, reviewForm } from './card-care';

/**
 * What a person may do to a card, each shown only with its permission (the API checks anyway):
 * correct points (reason from the list, comment; above their limit it waits for approval), block
 * or unblock, set the offline cap. `done(text)` reloads the card with a notice.
 */
function adjustForm(cardId: string, done: (text: string) => void): HTMLElement {
  const status = statusLine('adjust-status');
  const points = input('number', { step: '1', required: '' });
  const reason = h('select', { attrs: { required: '' } });
  const comment = input('text', { maxlength: '500', required: '', minlength: '3' });
  const limit = h('small', { id: 'adjust-limit', class: 'muted' });
  void loadSettings().then((answer) => {
    if (!answer.ok) return;
    for (const code of answer.data.adjustReasons) {
      const key = `reason.${code}`;
      reason.append(h('option', { text: isTextKey(key) ? t(key) : code, attrs: { value: code } }));
    }
    limit.textContent = t('cards.adjust_limit', { limit: whole(answer.data.myCorrectionLimit) });
  });
  const form = h(
    'form',
    { id: 'adjust-form', class: 'card' },
    h('h2', { text: t('cards.adjust_title') }),
    h(
      'div',
      { class: 'grid' },
      field('adjust-points', t('cards.adjust_points'), points),
      field('adjust-reason', t('cards.adjust_reason'), reason),
      field('adjust-comment', t('cards.adjust_comment'), comment),
    ),
    limit,
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'adjust-submit', text: t('cards.adjust_submit'), attrs: { type: 'submit' } }),
    ),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api<{ adjustment: Adjustment }>(
      'POST',
      `/cards/${encodeURIComponent(cardId)}/adjustments`,
      {
        points: Number(points.value),
        reason: reason.value,
        comment: comment.value,
      },
    );
    if (!answer.ok) return status.fail(answer.text);
    done(answer.data.adjustment.status === 'pending' ? t('cards.adjust_pending') : t('cards.adjust_posted'));
  });
  return form;
}

function blockForm(data: CardAnswer, done: (text: string) => void): HTMLElement {
  const status = statusLine('block-status');
  const blocked = data.card.blocked;
  const note = input('text', { maxlength: '500' });
  const form = h(
    'form',
    { id: 'block-form', class: 'card' },
    h('h2', { text: blocked ? t('cards.unblock') : t('cards.block') }),
    field('block-note', t('cards.block_note'), note),
    h(
      'div',
      { class: 'actions' },
      h('button', {
        id: 'block-submit',
        class: blocked ? 'secondary' : 'danger',
        text: blocked ? t('cards.unblock') : t('cards.block'),
        attrs: { type: 'submit' },
      }),
    ),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', `/cards/${encodeURIComponent(data.card.cardId)}/block`, {
      blocked: !blocked,
      ...(note.value.trim() ? { note: note.value.trim() } : {}),
    });
    if (!answer.ok) return status.fail(answer.text);
    done(blocked ? t('cards.unblocked_done') : t('cards.blocked_done'));
  });
  return form;
}

function capForm(data: CardAnswer, done: (text: string) => void): HTMLElement {
  const status = statusLine('cap-status');
  const cap = input('number', { min: '0', step: '1' });
  cap.value = data.card.offlineCap === null ? '' : String(data.card.offlineCap);
  const form = h(
    'form',
    { id: 'cap-form', class: 'card' },
    h('h2', { text: t('cards.cap_title') }),
    field('cap-points', t('cards.offline_cap'), cap, t('cards.cap_hint')),
    h(
      'div',
      { class: 'actions' },
      h('button', {
        id: 'cap-submit',
        class: 'secondary',
        text: t('cards.cap_save'),
        attrs: { type: 'submit' },
      }),
    ),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', `/cards/${encodeURIComponent(data.card.cardId)}/offline-cap`, {
      cap: cap.value.trim() === '' ? null : Number(cap.value),
    });
    if (!answer.ok) return status.fail(answer.text);
    done(t('cards.cap_saved'));
  });
  return form;
}

export function cardActions(
  session: SessionInfo,
  data: CardAnswer,
  done: (text: string) => void,
): HTMLElement {
  const may = (p: string) => session.permissions.includes(p as never);
  return h(
    'div',
    { class: 'card-actions' },
    may('cards.adjust') ? adjustForm(data.card.cardId, done) : null,
    may('cards.block') ? blockForm(data, done) : null,
    may('cards.cap') ? capForm(data, done) : null,
    may('cards.review') && data.card.flagged ? reviewForm(data, done) : null,
    may('cards.profile') ? profileForm(data, done) : null,
    may('cards.erase') ? eraseForm(data, done) : null,
  );
}
