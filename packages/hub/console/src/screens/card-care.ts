import { api, type CardAnswer } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

/**
 * The card's profile (support, marketers), the erasure of its personal data (security, with the
 * card number typed again), and closing its review when it is flagged (security). Each shown
 * only with its permission; the API checks anyway and writes the audit trail.
 */
const splitList = (text: string) =>
  text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

export function profileForm(data: CardAnswer, done: (text: string) => void): HTMLElement {
  const status = statusLine('profile-status');
  const p = data.card.profile;
  const name = input('text', { maxlength: '128', autocomplete: 'off', value: p?.name ?? '' });
  const birth = input('date', { value: p?.birthDate ?? '' });
  const groups = input('text', {
    maxlength: '600',
    autocomplete: 'off',
    value: (p?.groups ?? []).join(', '),
  });
  const referred = input('text', { maxlength: '64', autocomplete: 'off', value: p?.referredBy ?? '' });
  const form = h(
    'form',
    { id: 'profile-form', class: 'card' },
    h('h2', { text: t('care.profile_title') }),
    h(
      'div',
      { class: 'grid' },
      field('profile-name', t('care.name'), name),
      field('profile-birth-date', t('care.birth_date'), birth),
      field('profile-groups', t('care.groups'), groups, t('care.groups_hint')),
      field('profile-referred-by', t('care.referred_by'), referred),
    ),
    h('p', { class: 'muted', text: t('care.profile_hint') }),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'profile-submit', text: t('care.save'), attrs: { type: 'submit' } }),
    ),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = (v: string) => (v.trim() === '' ? null : v.trim());
    const answer = await api('PATCH', `/cards/${encodeURIComponent(data.card.cardId)}/profile`, {
      name: text(name.value),
      birthDate: text(birth.value),
      groups: splitList(groups.value),
      referredBy: text(referred.value),
    });
    if (!answer.ok) return status.fail(answer.text);
    done(t('care.profile_saved'));
  });
  return form;
}

export function eraseForm(data: CardAnswer, done: (text: string) => void): HTMLElement {
  const status = statusLine('erase-status');
  const confirm = input('text', { maxlength: '128', autocomplete: 'off' });
  const submit = h('button', {
    id: 'erase-submit',
    class: 'danger',
    text: t('care.erase'),
    attrs: { type: 'submit' },
  });
  submit.disabled = true;
  confirm.addEventListener('input', () => {
    submit.disabled = confirm.value.trim() !== data.card.cardId;
  });
  const form = h(
    'form',
    { id: 'erase-form', class: 'card' },
    h('h2', { text: t('care.erase_title') }),
    h('p', { class: 'muted', text: t('care.erase_hint') }),
    field('erase-confirm', t('care.erase_confirm', { card: data.card.cardId }), confirm),
    h('div', { class: 'actions' }, submit),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api<{ profileRecords: number }>(
      'POST',
      `/cards/${encodeURIComponent(data.card.cardId)}/erase`,
      {
        confirm: confirm.value.trim(),
      },
    );
    if (!answer.ok) return status.fail(answer.text);
    done(t('care.erased'));
  });
  return form;
}

export function reviewForm(data: CardAnswer, done: (text: string) => void): HTMLElement {
  const status = statusLine('review-status');
  const note = input('text', { maxlength: '500' });
  const form = h(
    'form',
    { id: 'review-form', class: 'card' },
    h('h2', { text: t('care.review_title') }),
    h('p', { class: 'muted', text: t('care.review_hint', { reasons: data.card.flagReasons.join(', ') }) }),
    field('review-note', t('care.review_note'), note),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'review-submit', text: t('care.review_done'), attrs: { type: 'submit' } }),
    ),
    status.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', `/cards/${encodeURIComponent(data.card.cardId)}/review-done`, {
      ...(note.value.trim() ? { note: note.value.trim() } : {}),
    });
    if (!answer.ok) return status.fail(answer.text);
    done(t('care.reviewed'));
  });
  return form;
}
