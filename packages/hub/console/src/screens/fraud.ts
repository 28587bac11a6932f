import { api, type FraudAlert, type SaleLineView, type SessionInfo } from '../api';
import { field, h, input, statusLine } from '../dom';
import { duration, moment, whole } from '../format';
import { isTextKey, t } from '../i18n';
import { facts, num, row, table } from '../table';
import { alertKinds } from '../texts-fraud';
import { alertWork } from './fraud-work';

/**
 * Fraud alerts: the list (status, kind, store; newest first, paged), one alert with the entries
 * and sales behind it and a re-check side by side, and — for security (`fraud.act`) — assign,
 * resolve with a reason, block / cap / clear its card. Auditors read only.
 */
const text = (key: string, fallback: string) => (isTextKey(key) ? t(key) : fallback);
const iso = (ms: number) => new Date(ms).toISOString();
export const kindText = (kind: string) => text(`fraudkind.${kind}`, kind);
export const subjectText = (s: FraudAlert['subject']) => {
  const key = `fraud.subject_${s.kind}`;
  return isTextKey(key) ? t(key, { id: s.id }) : `${s.kind} ${s.id}`;
};

function saleLines(cardId: string, txnId: string, colspan: number): HTMLTableRowElement {
  const cell = h('td', { attrs: { colspan: String(colspan) } });
  void api<{ lines: SaleLineView[] }>(
    'GET',
    `/cards/${encodeURIComponent(cardId)}/sales/${encodeURIComponent(txnId)}`,
  ).then((answer) => {
    if (!answer.ok) return cell.append(h('span', { class: 'status error', text: answer.text }));
    const heads = ['cards.sku', 'cards.quantity', 'cards.amount', 'cards.earned', 'cards.spent'] as const;
    cell.append(
      table(
        `evidence-lines-${txnId}`,
        heads.map((k) => t(k)),
        answer.data.lines.map((l) =>
          row([
            l.sku,
            num(String(l.quantity)),
            num(whole(l.amountMinor / 100)),
            num(whole(l.earnedPoints)),
            num(whole(l.spentPoints)),
          ]),
        ),
      ),
    );
  });
  return h('tr', { class: 'sale-lines' }, cell);
}

function evidence(alert: FraudAlert, mayReadCards: boolean): HTMLElement {
  const heads = [
    'cards.when',
    'fraud.entry_kind',
    'fraud.card',
    'fraud.till',
    'fraud.cashier',
    'fraud.receipt',
    'fraud.points',
    'fraud.spent',
    'fraud.lines',
  ] as const;
  const rows = alert.evidence.entries.map((e) => {
    const button =
      mayReadCards && e.kind === 'sale'
        ? h('button', {
            class: 'secondary small',
            text: t('cards.show_lines'),
            attrs: { type: 'button', 'data-lines': e.txnId },
          })
        : null;
    const tr = row(
      [
        moment(iso(e.occurredAt)),
        text(`movement.${e.kind}`, e.kind),
        e.cardId,
        `${e.storeId} / ${e.tillId} #${e.seq}`,
        e.cashierId ?? '',
        e.receiptId ?? '',
        num(e.memberPoints > 0 ? `+${whole(e.memberPoints)}` : whole(e.memberPoints)),
        num(whole(e.spentPoints)),
        button ?? '',
      ],
      { 'data-txn': e.txnId },
    );
    button?.addEventListener('click', () => {
      button.disabled = true;
      tr.after(saleLines(e.cardId, e.txnId, heads.length));
    });
    return tr;
  });
  const recheck = alert.evidence.recheck;
  return h(
    'section',
    { class: 'card', attrs: { 'aria-labelledby': 'evidence-title' } },
    h('h2', { id: 'evidence-title', text: t('fraud.evidence') }),
    table(
      'evidence-table',
      heads.map((k) => t(k)),
      rows,
      t('fraud.evidence_none'),
    ),
    recheck === null
      ? null
      : h(
          'div',
          { id: 'recheck' },
          h('h3', {
            text: t('fraud.recheck', {
              version: recheck.rulesVersion,
              till: whole(recheck.tillPoints),
              office: whole(recheck.officePoints),
            }),
          }),
          table(
            'recheck-table',
            ['fraud.line', 'fraud.item', 'fraud.amount', 'fraud.till_points', 'fraud.office_points'].map(
              (k) => text(k, k),
            ),
            recheck.lines.map((l) =>
              row(
                [
                  l.lineId,
                  l.sku,
                  num(whole(l.amountMinor / 100)),
                  num(whole(l.tillPoints)),
                  num(whole(l.officePoints)),
                ],
                l.tillPoints === l.officePoints ? {} : { class: 'differs' },
              ),
            ),
          ),
        ),
  );
}

function alertFacts(a: FraudAlert): HTMLElement {
  const r = a.resolution;
  const pairs: Array<[string, string, string]> = [
    [t('fraud.kind'), kindText(a.kind), 'alert-kind'],
    [t('fraud.level'), text(`fraud.level_${a.level}`, a.level), 'alert-level'],
    [t('fraud.subject'), subjectText(a.subject), 'alert-subject'],
    [t('fraud.store'), a.storeId, 'alert-store'],
    [t('fraud.measured'), `${whole(a.measured)} / ${whole(a.threshold)}`, 'alert-measured'],
    [t('fraud.window'), a.windowMs === null ? t('fraud.one_sale') : duration(a.windowMs), 'alert-window'],
    [t('fraud.happened'), moment(iso(a.at)), 'alert-at'],
    [t('fraud.raised'), moment(iso(a.raisedAt)), 'alert-raised'],
    [t('fraud.auto_action'), a.action === 'none' ? t('fraud.action_none') : a.action, 'alert-action'],
    [t('fraud.action_taken'), a.actionTaken ?? '—', 'alert-action-taken'],
    [t('fraud.status'), text(`fraud.status_${a.status}`, a.status), 'alert-status'],
    [t('fraud.assignee'), a.assignee ?? '—', 'alert-assignee'],
  ];
  if (r !== null)
    pairs.push([
      t('fraud.resolution'),
      t('fraud.resolution_text', {
        outcome: text(`fraud.outcome_${r.outcome}`, r.outcome),
        by: r.by,
        reason: r.reason,
      }),
      'alert-resolution',
    ]);
  return facts(
    'alert-facts',
    pairs.map(([label, value, id]) => [label, value, id]),
  );
}

/** One alert: facts, evidence, and the workflow for those who may act. */
function alertDetail(session: SessionInfo, alertId: string, holder: HTMLElement, changed: () => void) {
  const status = statusLine('alert-status-line');
  const show = async (notice?: string) => {
    const answer = await api<FraudAlert>('GET', `/fraud/alerts/${encodeURIComponent(alertId)}`);
    if (!answer.ok) {
      holder.replaceChildren(status.element);
      return status.fail(answer.text);
    }
    const a = answer.data;
    if (notice) status.ok(notice);
    const may = (p: string) => session.permissions.includes(p as never);
    holder.replaceChildren(
      h(
        'section',
        {
          id: 'alert-detail',
          class: 'card',
          attrs: { 'aria-labelledby': 'alert-title', 'data-alert': a.alertId },
        },
        h('h2', { id: 'alert-title', text: `${kindText(a.kind)} · ${subjectText(a.subject)}` }),
        h('p', { id: 'alert-summary', text: a.summary }),
        alertFacts(a),
        status.element,
      ),
      may('fraud.act')
        ? alertWork(a, (done) => {
            changed();
            void show(done);
          })
        : h('p', { id: 'alert-read-only', class: 'muted', text: t('fraud.read_only') }),
      evidence(a, may('cards.read')),
    );
    holder.scrollIntoView({ block: 'start' });
  };
  void show();
}

function filterForm(onShow: () => void) {
  const status = h('select', { attrs: { name: 'status' } });
  for (const [value, key] of [
    ['unresolved', 'fraud.status_unresolved'],
    ['open', 'fraud.status_open'],
    ['assigned', 'fraud.status_assigned'],
    ['resolved', 'fraud.status_resolved'],
    ['', 'fraud.status_all'],
  ] as const)
    status.append(h('option', { text: t(key), attrs: { value } }));
  const kind = h(
    'select',
    { attrs: { name: 'kind' } },
    h('option', { text: t('fraud.all_kinds'), attrs: { value: '' } }),
  );
  for (const k of alertKinds) kind.append(h('option', { text: kindText(k), attrs: { value: k } }));
  const store = input('text', { maxlength: '64', autocomplete: 'off' });
  const form = h(
    'form',
    { id: 'fraud-filters', class: 'card filters' },
    h(
      'div',
      { class: 'grid' },
      field('fraud-status', t('fraud.status'), status),
      field('fraud-kind', t('fraud.kind'), kind),
      field('fraud-store', t('fraud.store'), store, t('fraud.store_hint')),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { id: 'fraud-show', text: t('fraud.show'), attrs: { type: 'submit' } }),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onShow();
  });
  const query = () => {
    const q = new URLSearchParams({ limit: '50' });
    if (status.value) q.set('status', status.value);
    if (kind.value) q.set('kind', kind.value);
    if (store.value.trim()) q.set('store', store.value.trim());
    return q;
  };
  return { form, query };
}

const listHeads = [
  'fraud.raised',
  'fraud.kind',
  'fraud.level',
  'fraud.subject',
  'fraud.store',
  'fraud.summary',
  'fraud.status',
  'fraud.assignee',
  'fraud.open',
] as const;

/** One alert in the list; "Open" shows it in `detail`. */
function alertRow(session: SessionInfo, a: FraudAlert, detail: HTMLElement, reload: () => void) {
  const open = h('button', {
    class: 'secondary small',
    text: t('fraud.open'),
    attrs: { type: 'button', 'data-open': a.alertId },
  });
  open.addEventListener('click', () => alertDetail(session, a.alertId, detail, reload));
  return row(
    [
      moment(iso(a.raisedAt)),
      kindText(a.kind),
      text(`fraud.level_${a.level}`, a.level),
      subjectText(a.subject),
      a.storeId,
      a.summary,
      text(`fraud.status_${a.status}`, a.status),
      a.assignee ?? '',
      open,
    ],
    { 'data-alert': a.alertId, 'data-kind': a.kind, 'data-status': a.status, 'data-store': a.storeId },
  );
}

export function fraudScreen(session: SessionInfo): HTMLElement {
  const status = statusLine('fraud-status-line');
  const detail = h('div', { id: 'alert-holder' });
  const list = h('div');
  const older = h('button', {
    id: 'fraud-older',
    class: 'secondary',
    text: t('fraud.older'),
    attrs: { type: 'button' },
  });
  older.hidden = true;
  let next: string | null = null;
  const filters = filterForm(() => void load(false));
  const load = async (more: boolean) => {
    const q = filters.query();
    if (more && next !== null) q.set('before', next);
    const answer = await api<{ alerts: FraudAlert[]; nextBefore: string | null }>(
      'GET',
      `/fraud/alerts?${q}`,
    );
    if (!answer.ok) return status.fail(answer.text);
    status.clear();
    next = answer.data.nextBefore;
    older.hidden = next === null;
    const rows = answer.data.alerts.map((a) => alertRow(session, a, detail, () => void load(false)));
    const body = list.querySelector('tbody');
    if (more && body) body.append(...rows);
    else
      list.replaceChildren(
        table(
          'alerts-table',
          listHeads.map((k) => t(k)),
          rows,
          t('fraud.none'),
        ),
      );
  };
  older.addEventListener('click', () => void load(true));
  void load(false);
  // A link from elsewhere (`#/fraud?alert=…`) opens that alert at once.
  const linked = new URLSearchParams(location.hash.split('?')[1] ?? '').get('alert');
  if (linked) alertDetail(session, linked, detail, () => void load(false));
  return h(
    'section',
    { class: 'fraud', attrs: { 'aria-labelledby': 'fraud-title' } },
    h('h1', { id: 'fraud-title', text: t('fraud.title') }),
    h('p', { class: 'muted', text: t('fraud.intro') }),
    filters.form,
    status.element,
    h('div', { class: 'card' }, list, older),
    detail,
  );
}
