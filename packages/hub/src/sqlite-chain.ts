import { assert } from '@tillpoint/core';
import { type CardStateSnapshot, cardGrantsMax, type SyncProfile } from '@tillpoint/protocol';
import * as profileRules from './chain/card-profile-rules';
import { type CardChainFigures, cardStateSnapshot } from './chain/card-snapshot';
import * as profileDecisions from './chain/profile-decisions';
import { rewardUsesState } from './chain/reward-uses';
import * as saleLookups from './chain/sale-lookup';
import type { RejectedLine, SegmentRow } from './chain/segment-csv';
import type { TierPolicies } from './chain/tier-policies';
import * as tierWindow from './chain/tier-window';
import type { CardProfileView, ErasureOutcome } from './hub-store';
import { heldRewardUses } from './sqlite-chain-ingest';
import type { ChainStatements } from './sqlite-chain-statements';

const lookupKeyName = 'phone_lookup_key';
const tierSlideName = 'tier_slide';

type ChainRow = Omit<
  CardChainFigures,
  | 'grants'
  | 'groups'
  | 'tierSpendMinor'
  | 'tierFloorMinor'
  | 'blocked'
  | 'hasProfile'
  | 'hasPhone'
  | 'hasName'
  | 'hasBirthDate'
> & {
  groups: string;
  blocked: number;
  hasProfile: number;
  hasPhone: number;
  hasName: number;
  hasBirthDate: number;
};

/**
 * Card state across the chain on SQLite, beside `SqliteHubStore` (which calls these inside its
 * transactions): pulls' card state, profiles, segments, erasure, the tier window job, sale lookups.
 * Every decision is a pure function of `chain/`; these only read and write.
 */
export class SqliteChain {
  readonly lookupKey: string;

  constructor(
    readonly s: ChainStatements,
    readonly policies: TierPolicies,
  ) {
    s.addSetting.run(lookupKeyName, profileRules.newPhoneLookupKey());
    this.lookupKey = s.setting.get(lookupKeyName) as string;
    // Phones moved out of the journal by the schema upgrade get their hash (once).
    for (let rows = this.#unhashed(); rows.length > 0; rows = this.#unhashed())
      for (const row of rows)
        s.setPhoneHash.run(profileRules.phoneHash(this.lookupKey, row.phone), row.cardId);
  }

  #unhashed(): { cardId: string; phone: string }[] {
    return this.s.unhashedPhones.all(1_000) as { cardId: string; phone: string }[];
  }

  policyAt(now: number): tierWindow.TierPolicy {
    return this.policies.of(this.s.ruleSetInForce.get(now) as { version: string; json: string } | undefined);
  }

  /** Net spend of a card in `[from, to)` (to null: no end), from the day rollup and the partial days' facts. */
  #spend(cardId: string, from: number, to: number | null): number {
    const reads = tierWindow.rangeReads(from, to);
    let sum = 0;
    if (reads.days)
      sum += this.s.daySpend.get(cardId, reads.days.from, reads.days.to ?? Number.MAX_SAFE_INTEGER) as number;
    for (const r of reads.exact) sum += this.s.exactSpend.get(cardId, r.from, r.to) as number;
    return sum;
  }

  cardState(cardId: string, now: number, policy: tierWindow.TierPolicy): CardStateSnapshot | null {
    const row = this.s.cardChain.get(cardId) as ChainRow | undefined;
    if (row === undefined) return null;
    const ranges = tierWindow.tierRanges(policy, now);
    const figures: CardChainFigures = {
      ...row,
      blocked: row.blocked === 1,
      hasProfile: row.hasProfile === 1,
      hasPhone: row.hasPhone === 1,
      hasName: row.hasName === 1,
      hasBirthDate: row.hasBirthDate === 1,
      groups: JSON.parse(row.groups) as string[],
      grants: this.s.grantsOf.all(cardId, cardGrantsMax) as string[],
      tierSpendMinor:
        ranges.spendFrom === null ? row.lifetimeSpendMinor : this.#spend(cardId, ranges.spendFrom, null),
      tierFloorMinor: ranges.floor === null ? 0 : this.#spend(cardId, ranges.floor.from, ranges.floor.to),
    };
    const rewardUses = rewardUsesState(heldRewardUses(this.s, cardId, now));
    if (rewardUses !== undefined) figures.rewardUses = rewardUses;
    return cardStateSnapshot(figures, now);
  }

  /** Stores each profile (or keeps it as a conflict, or drops it after an erasure); answers the cards whose state changed. */
  saveProfiles(profiles: readonly SyncProfile[], tillId: string, now: number): Set<string> {
    const changed = new Set<string>();
    for (const p of profiles) {
      const enrolment = this.s.enrolmentOf.get(p.cardId) as profileDecisions.HeldEnrolment | undefined;
      const held = this.s.profileOf.get(p.cardId) as profileDecisions.ProfileRow | undefined;
      const refErased = this.s.refErased.get(p.cardId, p.profileRef) !== undefined;
      const arrival = profileDecisions.decideProfileArrival(
        { enrolment, profile: held, refErased },
        p.profileRef,
      );
      if (arrival === 'drop') continue;
      if (arrival === 'conflict') {
        this.s.addConflict.run({
          cardId: p.cardId,
          profileRef: p.profileRef,
          txnId: null,
          tillId,
          phone: p.phone,
          consentAt: p.consentAt,
          at: now,
        });
        continue;
      }
      this.s.putProfile.run({
        cardId: p.cardId,
        profileRef: p.profileRef,
        phone: p.phone,
        phoneHash: profileRules.phoneHash(this.lookupKey, p.phone),
        name: held?.name ?? null,
        birthDate: held?.birthDate ?? null,
        birthMonthDay: profileRules.birthMonthDay(held?.birthDate ?? null),
        consentAt: p.consentAt,
        at: now,
      });
      changed.add(p.cardId);
    }
    return changed;
  }

  setProfile(cardId: string, patch: profileRules.CardProfilePatch, now: number): CardProfileView {
    const held = this.s.profileOf.get(cardId) as profileDecisions.ProfileRow | undefined;
    const heldTraits = this.s.traitsOf.get(cardId) as
      | { groups: string; referredBy: string | null }
      | undefined;
    const traits: profileDecisions.TraitsRow | undefined = heldTraits && {
      groups: JSON.parse(heldTraits.groups) as string[],
      referredBy: heldTraits.referredBy,
    };
    const next = profileDecisions.applyProfilePatch({ profile: held, traits }, patch);
    const p = next.profile;
    this.s.putProfile.run({
      cardId,
      profileRef: p.profileRef,
      phone: p.phone,
      phoneHash: p.phone === null ? null : profileRules.phoneHash(this.lookupKey, p.phone),
      name: p.name,
      birthDate: p.birthDate,
      birthMonthDay: p.birthMonthDay,
      consentAt: p.consentAt,
      at: now,
    });
    this.s.putTraits.run(cardId, JSON.stringify(next.traits.groups), next.traits.referredBy, now);
    return profileDecisions.profileViewOf(cardId, next);
  }

  /** One batch of segment rows; answers the cards whose groups changed and the refused rows. */
  assignSegments(
    rows: readonly SegmentRow[],
    mode: 'add' | 'remove',
    now: number,
  ): { changed: string[]; rejected: RejectedLine[] } {
    const byCard = new Map<string, SegmentRow[]>();
    for (const row of rows) byCard.set(row.cardId, [...(byCard.get(row.cardId) ?? []), row]);
    const changed: string[] = [];
    const rejected: RejectedLine[] = [];
    for (const [cardId, cardRows] of byCard) {
      const held = this.s.traitsOf.get(cardId) as { groups: string; referredBy: string | null } | undefined;
      const merged = profileDecisions.mergeGroups(
        held ? (JSON.parse(held.groups) as string[]) : [],
        cardRows,
        mode,
      );
      rejected.push(...merged.rejected);
      if (!merged.changed) continue;
      this.s.putTraits.run(cardId, JSON.stringify(merged.groups), held?.referredBy ?? null, now);
      changed.push(cardId);
    }
    return { changed, rejected: rejected.sort((a, b) => a.line - b.line) };
  }

  erase(cardId: string, now: number): ErasureOutcome {
    for (const ref of this.s.refsOfCard.all(cardId, cardId, cardId) as string[])
      this.s.eraseRef.run(cardId, ref);
    const profileRecords = this.s.dropProfile.run(cardId).changes;
    const conflictPhones = this.s.eraseConflictPhones.run(cardId).changes;
    const bodies = this.s.phoneBodies.all(cardId) as { tillId: string; epoch: string; seq: number }[];
    for (const b of bodies) {
      this.s.blankPhone.run(cardId, b.tillId, b.epoch, b.seq);
      this.s.addRedaction.run(cardId, b.tillId, b.epoch, b.seq, 'detail.phone', now);
    }
    this.s.recordErasure.run(cardId, now);
    return {
      erased: profileRecords + conflictPhones + bodies.length > 0,
      profileRecords,
      conflictPhones,
      journalBodies: bodies.length,
    };
  }

  /** The job's next page: the cards to renumber, and the state to keep. */
  tierSlidePage(
    now: number,
    cardsMax: number,
  ): { cards: string[]; state: tierWindow.TierSlideState; done: boolean } {
    assert(Number.isSafeInteger(cardsMax) && cardsMax > 0, 'cardsMax is a positive integer', { cardsMax });
    const text = this.s.setting.get(tierSlideName) as string | undefined;
    const held = text === undefined ? undefined : tierWindow.tierSlideStateSchema.parse(JSON.parse(text));
    const state = tierWindow.planTierSlide(held, this.policyAt(now), now);
    const pending = state.pending;
    if (pending === null) {
      this.s.putSetting.run(tierSlideName, JSON.stringify(state));
      return { cards: [], state, done: true };
    }
    const cards = (
      pending.fromDay === null
        ? this.s.cardsWithSales.all(pending.after, cardsMax)
        : this.s.cardsWithSpendIn.all(pending.fromDay, pending.toDay, pending.after, cardsMax)
    ) as string[];
    const done = cards.length < cardsMax;
    const next: tierWindow.TierSlideState = done
      ? { ...state, pending: null }
      : { ...state, pending: { ...pending, after: cards[cards.length - 1] as string } };
    this.s.putSetting.run(tierSlideName, JSON.stringify(next));
    return { cards, state: next, done };
  }

  lookupSale(lookup: saleLookups.SaleLookup): saleLookups.SaleLookupResult {
    const candidates = (
      lookup.cardId !== undefined
        ? this.s.salesOfReceipt.all(lookup.cardId, lookup.receiptId, saleLookups.saleCandidatesMax)
        : this.s.salesOfReceiptAnyCard.all(lookup.receiptId, saleLookups.saleCandidatesMax)
    ) as (saleLookups.SaleCandidate & { epoch: string; seq: number })[];
    const picked = saleLookups.pickSale(candidates, lookup);
    if (picked.kind !== 'one') return picked;
    const row = picked.row;
    const body = this.s.journalBody.get(row.cardId, row.tillId, row.epoch, row.seq) as string;
    const lines = this.s.saleLines.all(row.cardId, row.occurredAt, row.txnId) as {
      lineId: string;
      returnedMicro: number;
    }[];
    return saleLookups.saleLookupAnswer(row, body, lines);
  }
}
