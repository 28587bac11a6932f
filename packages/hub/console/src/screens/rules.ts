import { api } from '../api';
import { field, h, input, statusLine } from '../dom';
import { t } from '../i18n';

/**
 * Rule publication (marketers): pick the program file (JSON), name its version and when tills
 * switch to it. Head office validates it with the tills' own program schema before it signs it;
 * a refusal names each problem with its path (`earn[0].percent: …`), shown as sent.
 */
const fileTextMax = 48 * 1024;

export function rulesScreen(): HTMLElement {
  const status = statusLine('rules-status');
  const problems = h('pre', { id: 'rules-problems', class: 'problems' });
  problems.hidden = true;
  const file = input('file', { accept: '.json,application/json', required: '' });
  const version = input('text', {
    maxlength: '64',
    required: '',
    autocomplete: 'off',
    placeholder: '2027-01',
  });
  const from = input('datetime-local', { required: '' });
  const form = h(
    'form',
    { id: 'rules-form', class: 'card' },
    h('h2', { text: t('rules.publish_title') }),
    h(
      'div',
      { class: 'grid' },
      field('rules-file', t('rules.file'), file),
      field('rules-version', t('rules.version'), version, t('rules.version_hint')),
      field('rules-from', t('rules.from'), from, t('rules.from_hint')),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'rules-submit', text: t('rules.publish'), attrs: { type: 'submit' } }),
    ),
    status.element,
    problems,
  );
  const fail = (text: string, detail?: string) => {
    status.fail(text);
    problems.textContent = detail ?? '';
    problems.hidden = detail === undefined;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (chosen === undefined) return fail(t('rules.no_file'));
    if (chosen.size > fileTextMax) return fail(t('rules.too_large'));
    const programText = await chosen.text();
    const at = new Date(from.value);
    if (Number.isNaN(at.getTime())) return fail(t('rules.no_time'));
    const answer = await api<{ version: string; effectiveFrom: string }>('POST', '/rules', {
      version: version.value.trim(),
      effectiveFrom: at.toISOString(),
      programText,
    });
    if (!answer.ok)
      return answer.code === 'rule_set_invalid' ? fail(t('rules.invalid'), answer.text) : fail(answer.text);
    problems.hidden = true;
    status.ok(
      t('rules.published', {
        version: answer.data.version,
        at: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(
          new Date(answer.data.effectiveFrom),
        ),
      }),
    );
  });
  return h(
    'section',
    { class: 'rules', attrs: { 'aria-labelledby': 'rules-title' } },
    h('h1', { id: 'rules-title', text: t('rules.title') }),
    h('p', { class: 'muted', text: t('rules.intro') }),
    form,
  );
}
