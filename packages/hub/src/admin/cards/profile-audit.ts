import type { CardProfilePatch } from '../../chain/card-profile-rules';

/** The part of a profile that is not personal data: what the audit trail may keep of it. */
export interface ProfileFacts {
  groups: readonly string[];
  referredBy: string | null;
  completeness: number;
}

/**
 * The audit line of a profile change. The trail is append-only and outlives an erasure, so it
 * names the personal fields that changed (`name`, `birthDate`) but never their values; groups,
 * referred-by and completeness are head office's own and are kept before and after. Pure.
 */
export function profileAuditOf(
  patch: CardProfilePatch,
  before: ProfileFacts | null,
  after: ProfileFacts,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const fields = (Object.keys(patch) as Array<keyof CardProfilePatch>).filter((k) => patch[k] !== undefined);
  const personal = fields.filter((k) => k === 'name' || k === 'birthDate');
  const facts = (p: ProfileFacts | null) =>
    p === null
      ? { groups: [], referredBy: null, completeness: 0 }
      : { groups: [...p.groups], referredBy: p.referredBy, completeness: p.completeness };
  return {
    before: facts(before),
    after: { ...facts(after), fields, personalFieldsChanged: personal },
  };
}
