import type { HubStore } from '../hub-store';
import {
  type CardAction,
  decideAssign,
  decideCardAction,
  decideResolve,
  type WorkflowOutcome,
} from './alert-workflow';
import type { FraudAlert, ResolutionOutcome } from './fraud-alert';
import type { AlertChange, FraudStore } from './fraud-store';

export type DeskOutcome =
  | { ok: true; before: FraudAlert; after: FraudAlert; did?: string }
  | {
      ok: false;
      code: 'not_found' | 'alert_resolved' | 'alert_changed' | 'invalid_request';
      message: string;
    };

/**
 * Security's desk: the alert workflow the admin API and the CLI share (list, assign, resolve
 * with a reason; block, cap or clear the alert's card through the hub store's own
 * `setCardBlocked` / `setCardCap`, so the tills learn of it on their next pull). Decisions are in
 * `alert-workflow.ts`; the callers write the audit trail with the before and after it answers.
 */
export class FraudDesk {
  constructor(
    readonly hub: HubStore,
    readonly fraud: FraudStore,
    readonly defaultCapPoints: number,
  ) {}

  async #change(
    alertId: string,
    now: number,
    decide: (a: FraudAlert) => WorkflowOutcome<AlertChange>,
  ): Promise<DeskOutcome> {
    const before = await this.fraud.getAlert(alertId);
    if (before === null) return { ok: false, code: 'not_found', message: `no alert ${alertId}` };
    const decided = decide(before);
    if (!decided.ok) return decided;
    const after = await this.fraud.updateAlert(alertId, decided.value, now, before.updatedAt);
    if (after === null)
      return {
        ok: false,
        code: 'alert_changed',
        message: `alert ${alertId} changed meanwhile: read it again`,
      };
    return { ok: true, before, after };
  }

  assign(alertId: string, assignee: string, now: number): Promise<DeskOutcome> {
    return this.#change(alertId, now, (a) => decideAssign(a, assignee));
  }

  resolve(alertId: string, input: { outcome: ResolutionOutcome; reason: string; by: string }, now: number) {
    return this.#change(alertId, now, (a) => decideResolve(a, { ...input, now }));
  }

  async act(
    alertId: string,
    input: { action: CardAction; capPoints?: number; by: string },
    now: number,
  ): Promise<DeskOutcome> {
    const before = await this.fraud.getAlert(alertId);
    if (before === null) return { ok: false, code: 'not_found', message: `no alert ${alertId}` };
    const decided = decideCardAction(before, {
      action: input.action,
      capPoints: input.capPoints ?? this.defaultCapPoints,
    });
    if (!decided.ok) return decided;
    const { cardId, action, capPoints } = decided.value;
    if (action === 'block') await this.hub.setCardBlocked(cardId, true, now);
    else if (action === 'cap') await this.hub.setCardCap(cardId, capPoints);
    else {
      await this.hub.setCardBlocked(cardId, false, now);
      await this.hub.setCardCap(cardId, null);
    }
    const did =
      action === 'cap'
        ? `capped at ${capPoints} by ${input.by}`
        : `${action === 'block' ? 'blocked' : 'cleared'} by ${input.by}`;
    const after = await this.fraud.updateAlert(alertId, { actionTaken: did }, now, before.updatedAt);
    // The card's state changed whatever happened to the alert meanwhile: answer what was done.
    return { ok: true, before, after: after ?? before, did };
  }
}
