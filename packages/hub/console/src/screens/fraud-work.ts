import { api, type FraudAlert } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

/**
 * Security's part of an alert: assign it (to oneself or a login), resolve it with an outcome and
 * a reason, block / cap / clear its card. Each step is one admin API call, written to the audit
 * trail by the hub; `done(text)` reloads the alert with a notice.
 */
export function alertWork(a: FraudAlert, done: (text: string) => void): HTMLElement {
  const status = statusLine('alert-work-status');
  const path = (step: string) => `/fraud/alerts/${encodeURIComponent(a.alertId)}/${step}`;
  const resolved = a.status === 'resolved';

  const assignee = input('text', { maxlength: '64', autocomplete: 'off' });
  const assign = h('form', { id: 'alert-assign', class: 'inline' });
  assign.append(
    field('alert-assignee-input', t('fraud.assign_to'), assignee),
    h('button', {
      id: 'alert-assign-submit',
      class: 'secondary',
      text: t('fraud.assign'),
      attrs: { type: 'submit' },
    }),
  );
  assign.addEventListener('submit', async (event) => {
    event.preventDefault();
    const who = assignee.value.trim();
    const answer = await api<FraudAlert>('POST', path('assign'), who ? { assignee: who } : {});
    if (!answer.ok) return status.fail(answer.text);
    done(t('fraud.assigned_done', { login: answer.data.assignee ?? '' }));
  });

  const outcome = h('select');
  for (const o of ['fraud', 'legitimate', 'duplicate'] as const)
    outcome.append(h('option', { text: t(`fraud.outcome_${o}`), attrs: { value: o } }));
  const reason = input('text', { maxlength: '500', required: '' });
  const resolve = h('form', { id: 'alert-resolve', class: 'inline' });
  resolve.append(
    field('alert-outcome', t('fraud.outcome'), outcome),
    field('alert-reason', t('fraud.reason'), reason),
    h('button', { id: 'alert-resolve-submit', text: t('fraud.resolve'), attrs: { type: 'submit' } }),
  );
  resolve.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('POST', path('resolve'), { outcome: outcome.value, reason: reason.value });
    if (!answer.ok) return status.fail(answer.text);
    done(t('fraud.resolved_done'));
  });
  for (const control of [...assign.elements, ...resolve.elements])
    (control as HTMLInputElement).disabled = resolved;

  return h(
    'section',
    { id: 'alert-work', class: 'card', attrs: { 'aria-labelledby': 'alert-work-title' } },
    h('h2', { id: 'alert-work-title', text: t('fraud.work_title') }),
    assign,
    resolve,
    cardActionsOf(a, path('action'), status, done),
    status.element,
  );
}

function cardActionsOf(
  a: FraudAlert,
  url: string,
  status: ReturnType<typeof statusLine>,
  done: (text: string) => void,
): HTMLElement {
  if (a.cardId === null)
    return h('p', {
      id: 'alert-no-card',
      class: 'muted',
      text: t('fraud.no_card', { subject: a.subject.kind }),
    });
  const cap = input('number', { min: '0', step: '1', value: '0' });
  const note = input('text', { maxlength: '500' });
  const act = async (action: 'block' | 'cap' | 'clear') => {
    const answer = await api<FraudAlert>('POST', url, {
      action,
      ...(action === 'cap' ? { capPoints: Number(cap.value || '0') } : {}),
      ...(note.value.trim() ? { note: note.value.trim() } : {}),
    });
    if (!answer.ok) return status.fail(answer.text);
    done(t('fraud.acted_done', { did: answer.data.actionTaken ?? action }));
  };
  const button = (action: 'block' | 'cap' | 'clear', cls: string) => {
    const b = h('button', {
      id: `alert-${action}`,
      class: cls,
      text: t(`fraud.${action}`),
      attrs: { type: 'button' },
    });
    b.addEventListener('click', () => void act(action));
    return b;
  };
  return h(
    'div',
    { id: 'alert-card-actions' },
    h('h3', { text: t('fraud.card_title', { card: a.cardId }) }),
    h(
      'div',
      { class: 'grid' },
      field('alert-cap-points', t('fraud.cap_points'), cap),
      field('alert-note', t('fraud.note'), note),
    ),
    h(
      'div',
      { class: 'actions' },
      button('block', 'danger'),
      button('cap', 'secondary'),
      button('clear', 'secondary'),
    ),
  );
}
