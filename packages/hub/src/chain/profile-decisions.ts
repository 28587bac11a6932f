import { cardGroupsMax } from '@tillpoint/protocol';
import type { CardProfileView } from '../hub-store';
import {
  birthMonthDay,
  type CardProfilePatch,
  normalGroups,
  profileCompleteness,
} from './card-profile-rules';
import type { EnrolFact } from './chain-facts';

/**
 * Enrolment is first-wins at head office, and the card's profile of record is the one its
 * winning enrolment names (docs/chain-sync.md). Two channels bring the facts, in any order:
 * `card_enrolled` entries (pushed, carrying a random `profileRef`) and the personal data
 * (`POST /v1/sync/profiles`, carrying the same ref). These decide, from what head office
 * holds, what a newly arrived fact does (pure; both stores call them in their transaction).
 */
export interface HeldEnrolment {
  txnId: string | null;
  profileRef: string | null;
}

export interface HeldProfile {
  /** The ref of the enrolment whose data this is; null for a profile head office made itself. */
  profileRef: string | null;
  phone: string | null;
  consentAt: number | null;
}

export type EnrolmentDecision =
  /** The first enrolment: it is the card's. `displaced`: a profile of another enrolment, moved to the conflicts. */
  | { kind: 'first'; displaced: boolean; legacyProfile: boolean }
  /** A second enrolment: kept for review, the card keeps the first. */
  | { kind: 'conflict'; profileRef: string };

/**
 * An enrolment entry: `won` when head office recorded it as the card's enrolment (the first to
 * arrive; the store's insert decides, so two pushes cannot both win).
 */
export function decideEnrolment(
  held: { won: boolean; profile: HeldProfile | undefined },
  fact: EnrolFact,
): EnrolmentDecision {
  if (!held.won) return { kind: 'conflict', profileRef: fact.profileRef ?? `entry:${fact.txnId}` };
  const profile = held.profile;
  const displaced =
    profile !== undefined && profile.profileRef !== null && profile.profileRef !== fact.profileRef;
  // A phone an older till wrote into the enrolment becomes the profile (unless one is held).
  const legacyProfile =
    fact.legacyPhone !== null && (profile === undefined || displaced || profile.phone === null);
  return { kind: 'first', displaced, legacyProfile };
}

export type ProfileArrival = 'store' | 'conflict' | 'drop';

/**
 * Personal data arriving for an enrolment: stored as the card's profile when its ref is the
 * winning enrolment's (or no enrolment is held yet and no other till's profile is: a profile head
 * office made itself takes the phone), kept as a
 * conflict for review otherwise, and dropped (acknowledged, not kept) when the card was erased
 * after this enrolment: erasure must not be undone by a till that sends late.
 */
export function decideProfileArrival(
  held: { enrolment: HeldEnrolment | undefined; profile: HeldProfile | undefined; refErased: boolean },
  profileRef: string,
): ProfileArrival {
  if (held.refErased) return 'drop';
  if (held.enrolment !== undefined) return held.enrolment.profileRef === profileRef ? 'store' : 'conflict';
  const other = held.profile?.profileRef;
  return other === undefined || other === null || other === profileRef ? 'store' : 'conflict';
}

/** The profile record as head office keeps it (personal data; erasable). */
export interface ProfileRow {
  profileRef: string | null;
  phone: string | null;
  name: string | null;
  birthDate: string | null;
  consentAt: number | null;
}

export interface TraitsRow {
  groups: string[];
  referredBy: string | null;
}

/** A patch from head office applied to what it holds: fields left out stay. */
export function applyProfilePatch(
  held: { profile: ProfileRow | undefined; traits: TraitsRow | undefined },
  patch: CardProfilePatch,
): { profile: ProfileRow & { birthMonthDay: string | null }; traits: TraitsRow } {
  const base: ProfileRow = held.profile ?? {
    profileRef: null,
    phone: null,
    name: null,
    birthDate: null,
    consentAt: null,
  };
  const profile = {
    ...base,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.birthDate !== undefined ? { birthDate: patch.birthDate } : {}),
  };
  const traits: TraitsRow = {
    groups: patch.groups !== undefined ? normalGroups(patch.groups) : (held.traits?.groups ?? []),
    referredBy: patch.referredBy !== undefined ? patch.referredBy : (held.traits?.referredBy ?? null),
  };
  return { profile: { ...profile, birthMonthDay: birthMonthDay(profile.birthDate) }, traits };
}

/** What head office answers after a profile change (no personal value but the name and birth date). */
export function profileViewOf(cardId: string, next: ReturnType<typeof applyProfilePatch>): CardProfileView {
  const p = next.profile;
  return {
    cardId,
    hasPhone: p.phone !== null,
    name: p.name,
    birthDate: p.birthDate,
    groups: next.traits.groups,
    referredBy: next.traits.referredBy,
    completeness: profileCompleteness(p),
  };
}

/**
 * Segment rows for one card added to (or removed from) its groups, in file order: a row that
 * would take the card past `cardGroupsMax` groups is refused with its line number.
 */
export function mergeGroups(
  held: readonly string[],
  rows: readonly { line: number; group: string }[],
  mode: 'add' | 'remove',
): { groups: string[]; rejected: { line: number; reason: string }[]; changed: boolean } {
  const groups = new Set(held);
  const rejected: { line: number; reason: string }[] = [];
  for (const row of rows) {
    if (mode === 'remove') groups.delete(row.group);
    else if (!groups.has(row.group)) {
      if (groups.size >= cardGroupsMax)
        rejected.push({
          line: row.line,
          reason: `the card already has ${cardGroupsMax} segments, the most a card may have`,
        });
      else groups.add(row.group);
    }
  }
  const out = normalGroups([...groups]);
  const before = normalGroups(held);
  return { groups: out, rejected, changed: out.join('\u0000') !== before.join('\u0000') };
}
