import type { Chart } from 'chart.js';
import type { ReportExtra } from '../../../src/reports/report-shape';
import { api, type ConsoleSettingsAnswer, loadSettings, type Report } from '../api';
import { drawChart, seriesLabel } from '../chart';
import { field, h, input, statusLine } from '../dom';
import { cellText, percent, whole } from '../format';
import { t } from '../i18n';
import { facts, num, row, table } from '../table';

/**
 * The report screens: pick a report and a period (dates in the report zone), a store, a rule or
 * the cost report's grouping; see its chart, warnings and table; export the same table as CSV.
 */
const names = ['points', 'liability', 'cost', 'activity', 'overdraft'] as const;
type Name = (typeof names)[number] | 'tills';

function select(options: Array<[string, string]>, value = ''): HTMLSelectElement {
  const s = h('select');
  for (const [v, text] of options) s.append(h('option', { text, attrs: { value: v } }));
  s.value = value;
  return s;
}

function warnings(report: Report): HTMLElement | null {
  if (report.warnings.length === 0) return null;
  return h(
    'ul',
    { id: 'report-warnings', class: 'warnings', attrs: { role: 'alert' } },
    ...report.warnings.map((w) =>
      h('li', {
        attrs: { 'data-code': w.code },
        text:
          w.code === 'over_budget' && w.subject === null
            ? t('warning.over_budget_total')
            : t(`warning.${w.code}`, { subject: w.subject ?? '' }),
      }),
    ),
  );
}

function reportTable(report: Report): HTMLElement {
  const currency = report.program?.currency ?? null;
  const heads = report.columns.map((c) => seriesLabel(c.key.split(':')[0] as string));
  const cells = (values: Report['rows'][number]) =>
    values.map((v, i) => {
      const kind = report.columns[i]?.kind ?? 'text';
      const text = i === 0 && v === 'total' ? t('reports.total') : cellText(v, kind, currency);
      return kind === 'text' || kind === 'date' || kind === 'time' || kind === 'flag' ? text : num(text);
    });
  const rows = report.rows.map((r) => row(cells(r)));
  if (report.total !== null) rows.push(row(cells(report.total), { class: 'total' }));
  return table('report-table', heads, rows);
}

function extra(x: ReportExtra | undefined): HTMLElement | null {
  if (x === undefined) return null;
  const parts: HTMLElement[] = [];
  if (x.profiles && x.redemption) {
    const p = x.profiles;
    const pairs: Array<[string, string]> = [
      [t('reports.cards_total'), whole(p.cards)],
      [t('reports.enrolled'), whole(p.enrolled)],
      [t('reports.with_phone'), whole(p.withPhone)],
      [t('reports.with_name'), whole(p.withName)],
      [t('reports.with_birth_date'), whole(p.withBirthDate)],
      [t('reports.completeness'), p.completenessBp === null ? '—' : percent(p.completenessBp)],
      [t('reports.redemption_rate'), x.redemption.rateBp === null ? '—' : percent(x.redemption.rateBp)],
    ];
    parts.push(h('h2', { text: t('reports.profiles') }), facts('report-profiles', pairs));
  }
  if (x.months)
    parts.push(
      h('h2', { text: t('reports.months') }),
      table(
        'report-months',
        [t('reports.month'), t('reports.active_cards')],
        x.months.map((m) => row([m.month, num(whole(m.activeCards))])),
      ),
    );
  if (x.review)
    parts.push(
      h('h2', { text: t('reports.review') }),
      table(
        'report-review',
        [
          t('approvals.card'),
          t('cards.overdraft'),
          t('cards.available'),
          t('cards.status'),
          t('reports.reasons'),
        ],
        x.review.map((c) =>
          row([
            h('a', { text: c.cardId, attrs: { href: `#/cards?card=${encodeURIComponent(c.cardId)}` } }),
            num(whole(c.overdraft)),
            num(whole(c.available)),
            c.blocked ? t('cards.status_blocked') : '',
            c.reasons.join(', '),
          ]),
        ),
        t('reports.review_none'),
      ),
    );
  return parts.length === 0 ? null : h('section', { class: 'card' }, ...parts);
}

/** What the report says it covers: the period and zone, the program and its point value. */
function caption(r: Report): HTMLElement {
  const p = r.program;
  const parts = [
    r.report === 'tills'
      ? ''
      : t('reports.period', {
          from: cellText(r.from, 'date', null),
          to: cellText(r.to, 'date', null),
          zone: r.timeZone,
        }),
    p === null
      ? ''
      : t('reports.program', {
          version: p.version,
          points: whole(p.points),
          money: cellText(p.moneyMinor, 'money', p.currency),
        }),
  ];
  return h('p', { id: 'report-period', class: 'muted' }, parts.filter(Boolean).join(' · '));
}

/** The filter form: which report, period, store, rule and grouping; `query()` is what it asks for. */
function filters(fixed: 'tills' | undefined) {
  const choice = select(
    names.map((n) => [n, t(`reports.${n}`)]),
    'points',
  );
  const from = input('date');
  const to = input('date');
  const store = select([['', t('reports.all_stores')]]);
  const rule = select([['', t('reports.all_rules')]]);
  const by = select(
    [
      ['rule', t('reports.by_rule')],
      ['store', t('reports.by_store')],
    ],
    'rule',
  );
  const csv = h('a', {
    id: 'report-csv',
    class: 'button secondary',
    text: t('reports.csv'),
    attrs: { href: '#', download: '' },
  });
  const current = (): Name => fixed ?? (choice.value as Name);
  const withRule = () => current() === 'points' || current() === 'cost';
  const form = h(
    'form',
    { id: 'report-filter', class: 'card filters' },
    h(
      'div',
      { class: 'grid' },
      fixed ? null : field('report-name', t('reports.report'), choice),
      field('report-from', t('reports.from'), from),
      field('report-to', t('reports.to'), to),
      field('report-store', t('reports.store'), store),
      field('report-rule', t('reports.rule'), rule),
      field('report-by', t('reports.by'), by),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'report-show', text: t('reports.show'), attrs: { type: 'submit' } }),
      csv,
    ),
  );
  return {
    form,
    choice,
    csv,
    current,
    /** Fills the store and rule lists. */
    offer(settings: ConsoleSettingsAnswer) {
      for (const s of settings.stores) store.append(h('option', { text: s, attrs: { value: s } }));
      for (const r of settings.rules) rule.append(h('option', { text: r, attrs: { value: r } }));
    },
    /** Shows the fields this report takes; the period it answered fills empty dates. */
    settle(r?: Report) {
      (rule.closest('.field') as HTMLElement).hidden = !withRule();
      (by.closest('.field') as HTMLElement).hidden = current() !== 'cost';
      for (const f of [from, to]) (f.closest('.field') as HTMLElement).hidden = current() === 'tills';
      if (r !== undefined && r.report !== 'tills') {
        if (!from.value) from.value = r.from;
        if (!to.value) to.value = r.to;
      }
    },
    query(): string {
      const q = new URLSearchParams();
      if (from.value) q.set('from', from.value);
      if (to.value) q.set('to', to.value);
      if (store.value) q.set('store', store.value);
      if (rule.value && withRule()) q.set('rule', rule.value);
      if (current() === 'cost') q.set('by', by.value);
      return q.toString();
    },
  };
}

export function reportsScreen(fixed?: 'tills'): HTMLElement {
  const status = statusLine('report-status');
  const output = h('div', { id: 'report-output' });
  const f = filters(fixed);
  let chart: Chart | null = null;
  const load = async () => {
    f.settle();
    const q = f.query();
    const answer = await api<Report>('GET', `/reports/${f.current()}${q ? `?${q}` : ''}`);
    chart?.destroy();
    chart = null;
    if (!answer.ok) {
      output.replaceChildren();
      return status.fail(answer.text);
    }
    status.clear();
    const r = answer.data;
    f.settle(r);
    f.csv.setAttribute('href', `/admin/v1/reports/${f.current()}/export.csv${q ? `?${q}` : ''}`);
    const canvas = h('canvas', {
      id: 'report-chart',
      attrs: { role: 'img', 'aria-label': t('reports.chart') },
    });
    output.replaceChildren(
      caption(r),
      warnings(r) ?? '',
      h('section', { class: 'card' }, h('div', { class: 'chart' }, canvas)),
      h('section', { class: 'card' }, reportTable(r)),
      extra(r.extra) ?? '',
    );
    chart = drawChart(canvas, r);
  };
  f.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  f.choice.addEventListener('change', () => void load());
  void loadSettings().then((answer) => {
    if (answer.ok) f.offer(answer.data);
    void load();
  });
  return h(
    'section',
    { class: 'reports', attrs: { 'aria-labelledby': 'reports-title' } },
    h('h1', { id: 'reports-title', text: fixed ? t('reports.tills') : t('reports.title') }),
    f.form,
    status.element,
    output,
  );
}
