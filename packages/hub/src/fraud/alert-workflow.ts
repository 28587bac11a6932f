import type { FraudAlert, ResolutionOutcome } from './fraud-alert';
import type { AlertChange } from './fraud-store';

export const cardActions = ['block', 'cap', 'clear'] as const;
export type CardAction = (typeof cardActions)[number];

export type WorkflowRefusal = { ok: false; code: 'alert_resolved' | 'invalid_request'; message: string };
export type WorkflowOutcome<T> = { ok: true; value: T } | WorkflowRefusal;

/** Assigning an alert to a person of security: not once it is resolved. Pure. */
export function decideAssign(alert: FraudAlert, assignee: string): WorkflowOutcome<AlertChange> {
  if (alert.status === 'resolved')
    return { ok: false, code: 'alert_resolved', message: `alert ${alert.alertId} is resolved already` };
  return { ok: true, value: { status: 'assigned', assignee } };
}

/** Resolving with an outcome and a reason (a person's words, required). Once only. Pure. */
export function decideResolve(
  alert: FraudAlert,
  input: { outcome: ResolutionOutcome; reason: string; by: string; now: number },
): WorkflowOutcome<AlertChange> {
  if (alert.status === 'resolved')
    return { ok: false, code: 'alert_resolved', message: `alert ${alert.alertId} is resolved already` };
  const reason = input.reason.trim();
  if (reason.length === 0)
    return { ok: false, code: 'invalid_request', message: 'say why the alert is resolved (a reason)' };
  return {
    ok: true,
    value: {
      status: 'resolved',
      assignee: alert.assignee ?? input.by,
      resolution: { outcome: input.outcome, reason, by: input.by, at: input.now },
    },
  };
}

/** An action on the alert's card: it must name a card. `clear` lifts the block and the cap. Pure. */
export function decideCardAction(
  alert: FraudAlert,
  input: { action: CardAction; capPoints: number },
): WorkflowOutcome<{ cardId: string; action: CardAction; capPoints: number }> {
  if (alert.cardId === null)
    return {
      ok: false,
      code: 'invalid_request',
      message: `alert ${alert.alertId} is about ${alert.subject.kind} ${alert.subject.id}, not a card: act on the cards in its evidence`,
    };
  return { ok: true, value: { cardId: alert.cardId, ...input } };
}

/** An alert's workflow fields: what the audit trail records before and after a step. */
export function workflowOf(a: FraudAlert) {
  return { status: a.status, assignee: a.assignee, resolution: a.resolution, actionTaken: a.actionTaken };
}
