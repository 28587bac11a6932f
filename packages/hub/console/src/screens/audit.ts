import { type AuditEntry, api, type SessionInfo } from '../api';
import { changeLines } from '../change-text';
import { field, h, input, statusLine } from '../dom';
import { dateTime, t } from '../i18n';

/** A `YYYY-MM-DD` date from a date field, as the instant its day starts in the browser's zone. */
function startOfDay(value: string, plusDays = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays).toISOString();
}

/** One line of the trail: when (browser's zone), who, what, on what, outcome, from where, what changed. */
function auditRow(e: AuditEntry): HTMLTableRowElement {
  return h(
    'tr',
    { attrs: { 'data-seq': String(e.seq) } },
    h('td', { text: dateTime(e.at) }),
    h('td', { text: e.actor ?? (e.address === null ? t('audit.command_line') : t('audit.anonymous')) }),
    h('td', { class: 'code', text: e.action }),
    h('td', { text: e.target ?? '' }),
    h('td', {
      class: e.outcome === 'refused' ? 'refused' : '',
      text: e.outcome === 'refused' ? t('audit.refused') : t('audit.done'),
    }),
    h('td', { text: e.address ?? '' }),
    h(
      'td',
      { class: 'details' },
      ...changeLines(e.before, e.after).map((line) => h('div', { class: 'change', text: line })),
      e.note ? h('div', { class: 'muted', text: e.note }) : null,
    ),
  );
}

function auditTable(body: HTMLTableSectionElement): HTMLElement {
  const heads = [
    'audit.when',
    'audit.who',
    'audit.what',
    'audit.target',
    'audit.outcome',
    'audit.address',
    'audit.details',
  ] as const;
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'audit-table' },
      h('thead', {}, h('tr', {}, ...heads.map((k) => h('th', { text: t(k), attrs: { scope: 'col' } })))),
      body,
    ),
  );
}

/** The filter form: period (browser's zone), who, action or area; `query()` is what it asks for. */
function filterForm(exportLink: HTMLElement): { form: HTMLFormElement; query(): URLSearchParams } {
  const from = input('date');
  const to = input('date');
  const actor = input('text', { maxlength: '64', autocapitalize: 'none' });
  const action = input('text', { maxlength: '120', autocapitalize: 'none' });
  const form = h(
    'form',
    { id: 'audit-filter', class: 'card filters' },
    h(
      'div',
      { class: 'grid' },
      field('audit-from', t('audit.from'), from),
      field('audit-to', t('audit.to'), to),
      field('audit-actor', t('audit.actor'), actor),
      field('audit-action', t('audit.action'), action),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'audit-apply', text: t('audit.apply'), attrs: { type: 'submit' } }),
      exportLink,
    ),
  );
  const query = (): URLSearchParams => {
    const q = new URLSearchParams();
    const fromIso = startOfDay(from.value);
    const toIso = startOfDay(to.value, 1);
    if (fromIso) q.set('from', fromIso);
    if (toIso) q.set('to', toIso);
    if (actor.value.trim()) q.set('actor', actor.value.trim().toLowerCase());
    if (action.value.trim()) q.set('action', action.value.trim());
    return q;
  };
  return { form, query };
}

/** The audit trail (auditors, administrators): filter, page back, export CSV. */
export function auditScreen(session: SessionInfo): HTMLElement {
  const status = statusLine('audit-status');
  const body = h('tbody');
  const older = h('button', {
    id: 'audit-older',
    class: 'secondary',
    text: t('audit.older'),
    attrs: { type: 'button' },
  });
  older.hidden = true;
  const exportLink = h('a', {
    id: 'audit-export',
    class: 'button secondary',
    text: t('audit.export'),
    attrs: { href: '#', download: '' },
  });
  exportLink.hidden = !session.permissions.includes('audit.export');
  const { form, query } = filterForm(exportLink);

  let nextBefore: number | null = null;
  const load = async (more: boolean) => {
    const q = query();
    q.set('limit', '100');
    if (more && nextBefore !== null) q.set('before', String(nextBefore));
    const answer = await api<{ entries: AuditEntry[]; nextBefore: number | null }>('GET', `/audit?${q}`);
    if (!answer.ok) return status.fail(answer.text);
    status.clear();
    const rows = answer.data.entries.map(auditRow);
    if (more) body.append(...rows);
    else body.replaceChildren(...rows);
    if (!more && rows.length === 0)
      body.append(h('tr', {}, h('td', { text: t('audit.none'), attrs: { colspan: '7' } })));
    nextBefore = answer.data.nextBefore;
    older.hidden = nextBefore === null;
    const exportQuery = query().toString();
    exportLink.setAttribute('href', `/admin/v1/audit/export.csv${exportQuery ? `?${exportQuery}` : ''}`);
  };
  older.addEventListener('click', () => void load(true));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(false);
  });
  void load(false);
  return h(
    'section',
    { class: 'audit', attrs: { 'aria-labelledby': 'audit-title' } },
    h('h1', { id: 'audit-title', text: t('audit.title') }),
    h('p', { class: 'muted', text: t('audit.intro') }),
    form,
    status.element,
    auditTable(body),
    older,
  );
}
