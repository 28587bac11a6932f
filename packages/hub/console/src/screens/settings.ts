import { api, loadSettings, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

/** The budget line (marketer) and the correction limits (administrator), each audited by the API. */
export function settingsScreen(session: SessionInfo): HTMLElement {
  const may = (p: string) => session.permissions.includes(p as never);
  const budgetStatus = statusLine('budget-status');
  const limitsStatus = statusLine('limits-status');
  const budget = input('number', { min: '0.01', max: '100', step: '0.01' });
  const threshold = input('number', { min: '0', step: '1' });
  const support = input('number', { min: '0', step: '1' });
  void loadSettings().then((answer) => {
    if (!answer.ok) return;
    budget.value = (answer.data.budgetBp / 100).toFixed(2);
    threshold.value = String(answer.data.approvalThreshold);
    support.value = String(answer.data.supportLimit);
  });
  const budgetForm = h(
    'form',
    { id: 'budget-form', class: 'card' },
    h('h2', { text: t('settings.budget_title') }),
    field('budget-percent', t('settings.budget'), budget, t('settings.budget_hint')),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'budget-save', text: t('settings.save'), attrs: { type: 'submit' } }),
    ),
    budgetStatus.element,
  );
  budgetForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('PATCH', '/settings/budget', {
      budgetBp: Math.round(Number(budget.value) * 100),
    });
    if (answer.ok) budgetStatus.ok(t('settings.saved'));
    else budgetStatus.fail(answer.text);
  });
  const limitsForm = h(
    'form',
    { id: 'limits-form', class: 'card' },
    h('h2', { text: t('settings.limits_title') }),
    h(
      'div',
      { class: 'grid' },
      field('limits-threshold', t('settings.threshold'), threshold),
      field('limits-support', t('settings.support_limit'), support),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'limits-save', text: t('settings.save'), attrs: { type: 'submit' } }),
    ),
    limitsStatus.element,
  );
  limitsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('PATCH', '/settings/corrections', {
      approvalThreshold: Number(threshold.value),
      supportLimit: Number(support.value),
    });
    if (answer.ok) limitsStatus.ok(t('settings.saved'));
    else limitsStatus.fail(answer.text);
  });
  return h(
    'section',
    { class: 'settings', attrs: { 'aria-labelledby': 'settings-title' } },
    h('h1', { id: 'settings-title', text: t('settings.title') }),
    may('reports.budget') ? budgetForm : null,
    may('cards.policy') ? limitsForm : null,
  );
}
