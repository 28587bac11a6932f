import type { ConsoleSettings } from '../../reports/console-settings';
import { type AdminRefusal, refusal } from '../admin-errors';
import type { Role } from '../roles';
import type { AdjustmentRequest } from './adjustment-request';

/**
 * Four eyes on corrections (pure). A correction within the asker's limit posts at once; a larger
 * one waits for a second person. The limit is the approval threshold, and for support the smaller
 * of it and the support limit ("support may make small corrections"). Whoever approves or refuses
 * must hold `cards.adjust.approve` (the route checks) and must not be the one who asked.
 */
export function correctionLimit(
  role: Role,
  settings: Pick<ConsoleSettings, 'approvalThreshold' | 'supportLimit'>,
) {
  return role === 'support'
    ? Math.min(settings.supportLimit, settings.approvalThreshold)
    : settings.approvalThreshold;
}

export function needsApproval(
  role: Role,
  points: number,
  settings: Pick<ConsoleSettings, 'approvalThreshold' | 'supportLimit'>,
): boolean {
  return Math.abs(points) > correctionLimit(role, settings);
}

/** Why `login` may not decide `request` now, or null. */
export function decisionRefusal(request: AdjustmentRequest, login: string): AdminRefusal | null {
  if (request.status !== 'pending')
    return refusal('not_pending', `this correction is ${request.status} already: nothing to decide`);
  if (request.requestedBy === login)
    return refusal('own_request', 'you asked for this correction: another person must approve or refuse it');
  return null;
}
