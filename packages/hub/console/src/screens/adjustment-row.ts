import type { Adjustment } from '../api';
import { moment, whole } from '../format';
import { isTextKey, t } from '../i18n';
import { num, row } from '../table';

/** A correction as a table row (the card's list and the approval queue). */
export function adjustmentHeads(withCard: boolean): string[] {
  return [
    t('cards.when'),
    ...(withCard ? [t('approvals.card')] : []),
    t('cards.points'),
    t('cards.adjust_reason'),
    t('cards.adjust_comment'),
    t('cards.by'),
    t('cards.status'),
    t('cards.decided_by'),
  ];
}

export function adjustmentRow(a: Adjustment, withCard: boolean, extra?: Node): HTMLTableRowElement {
  const reason = `reason.${a.reason}`;
  const status = `adjustment.${a.status}`;
  const tr = row(
    [
      moment(a.requestedAt),
      ...(withCard ? [a.cardId] : []),
      num(a.points > 0 ? `+${whole(a.points)}` : whole(a.points)),
      isTextKey(reason) ? t(reason) : a.reason,
      a.comment,
      a.requestedBy,
      isTextKey(status) ? t(status) : a.status,
      [a.decidedBy ?? '', a.decisionNote ?? ''].filter(Boolean).join(' · '),
    ],
    { 'data-adjustment': a.id },
  );
  if (extra) tr.append(extra);
  return tr;
}
