import { type Adjustment, api, type SessionInfo } from '../api';
import { h, input, statusLine } from '../dom';
import { t } from '../i18n';
import { table } from '../table';
import { adjustmentHeads, adjustmentRow } from './adjustment-row';

/** The approval queue (four eyes): corrections above the limit, approved or refused by someone else. */
export function approvalsScreen(session: SessionInfo): HTMLElement {
  const status = statusLine('approvals-status');
  const holder = h('div');
  const decide = async (a: Adjustment, verb: 'approve' | 'refuse', note: string) => {
    const answer = await api('POST', `/adjustments/${a.id}/${verb}`, note ? { note } : {});
    if (!answer.ok) return status.fail(answer.text);
    status.ok(verb === 'approve' ? t('approvals.approved') : t('approvals.refused'));
    void load();
  };
  const actions = (a: Adjustment): HTMLTableCellElement => {
    const note = input('text', {
      maxlength: '500',
      'aria-label': t('approvals.refuse_note'),
      placeholder: t('approvals.note'),
    });
    const own = a.requestedBy === session.user.login;
    const approve = h('button', {
      class: 'small',
      text: t('approvals.approve'),
      attrs: { type: 'button', 'data-approve': a.id },
    });
    const refuse = h('button', {
      class: 'secondary small',
      text: t('approvals.refuse'),
      attrs: { type: 'button', 'data-refuse': a.id },
    });
    approve.disabled = own;
    refuse.disabled = own;
    approve.addEventListener('click', () => void decide(a, 'approve', note.value.trim()));
    refuse.addEventListener('click', () => void decide(a, 'refuse', note.value.trim()));
    return h('td', { class: 'decide' }, note, approve, refuse);
  };
  const load = async () => {
    const answer = await api<{ adjustments: Adjustment[] }>('GET', '/adjustments?status=pending');
    if (!answer.ok) return status.fail(answer.text);
    holder.replaceChildren(
      table(
        'approvals-table',
        [...adjustmentHeads(true), ''],
        answer.data.adjustments.map((a) => adjustmentRow(a, true, actions(a))),
        t('approvals.none'),
      ),
    );
  };
  void load();
  return h(
    'section',
    { class: 'approvals', attrs: { 'aria-labelledby': 'approvals-title' } },
    h('h1', { id: 'approvals-title', text: t('approvals.title') }),
    h('p', { class: 'muted', text: t('approvals.intro') }),
    status.element,
    h('div', { class: 'card' }, holder),
  );
}
