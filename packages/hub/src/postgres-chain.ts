import { type CardStateSnapshot, cardGrantsMax, type SyncProfile } from '@tillpoint/protocol';
import type pg from 'pg';
import * as profileRules from './chain/card-profile-rules';
import { type CardChainFigures, cardStateSnapshot } from './chain/card-snapshot';
import * as profileDecisions from './chain/profile-decisions';
import { rewardUsesState } from './chain/reward-uses';
import * as saleLookups from './chain/sale-lookup';
import type { RejectedLine, SegmentRow } from './chain/segment-csv';
import type { TierPolicies } from './chain/tier-policies';
import * as tierWindow from './chain/tier-window';
import type { CardProfileView, ErasureOutcome } from './hub-store';
import { pgChainSql } from './postgres-chain-sql';
import {
  addConflicts,
  addRedactions,
  type ConflictRow,
  eraseRefs,
  putTraits,
  setPhoneHashes,
} from './postgres-chain-writes';
import { heldRewardUsesPg } from './postgres-reward-uses';
import { salePartitionStatements, salePartitions } from './postgres-schema';
import { cardOrder } from './postgres-values';

/**
 * Card state across the chain on PostgreSQL, for `PostgresHubStore` (each function inside the
 * caller's transaction; the caller notes the cards changed for the feed). Decisions are the pure
 * functions of `chain/`; these read and write.
 */
type Client = pg.PoolClient | pg.Client;

const rowsOf = async <T>(client: Client, text: string, values: unknown[] = []) =>
  (await client.query(text, values)).rows as T[];

/** The chain's phone lookup key (made by the first hub to open the schema), and phones moved by the upgrade hashed. */
export async function openChain(client: pg.Client): Promise<string> {
  await client.query(pgChainSql.addSetting, ['phone_lookup_key', profileRules.newPhoneLookupKey()]);
  const key = (await rowsOf<{ value: string }>(client, pgChainSql.setting, ['phone_lookup_key']))[0]
    ?.value as string;
  for (;;) {
    const rows = await rowsOf<{ cardId: string; phone: string }>(client, pgChainSql.unhashedPhones, [1_000]);
    if (rows.length === 0) return key;
    await setPhoneHashes(
      client,
      rows.map((r) => ({ cardId: r.cardId, phoneHash: profileRules.phoneHash(key, r.phone) })),
    );
  }
}

/** Monthly partitions of the sale tables around `now`, each made unless the default partition already holds its rows. */
export async function ensureSalePartitions(client: Client, now: number): Promise<void> {
  for (const part of salePartitions(now)) {
    const exists = (
      await rowsOf<{ exists: boolean }>(client, pgChainSql.partitionExists, [`sale_fact_${part.name}`])
    )[0];
    if (exists?.exists) continue;
    const holds = (
      await rowsOf<{ holds: boolean }>(client, pgChainSql.defaultHoldsRange, [part.from, part.to])
    )[0];
    if (holds?.holds) continue;
    for (const statement of salePartitionStatements(part)) await client.query(statement);
  }
}

export async function policyAt(
  client: Client,
  policies: TierPolicies,
  now: number,
): Promise<tierWindow.TierPolicy> {
  return policies.of(
    (await rowsOf<{ version: string; json: string }>(client, pgChainSql.ruleSetInForce, [now]))[0],
  );
}

type ChainRow = Omit<CardChainFigures, 'grants' | 'groups' | 'tierSpendMinor' | 'tierFloorMinor'> & {
  groups: string;
};

/** Net spend of cards in `[from, to)`, from the day rollup and the partial days' facts. */
async function spendOf(
  client: Client,
  cards: string[],
  from: number,
  to: number | null,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const add = (rows: { card_id: string; spend: number }[]) => {
    for (const r of rows) out.set(r.card_id, (out.get(r.card_id) ?? 0) + Number(r.spend));
  };
  const reads = tierWindow.rangeReads(from, to);
  if (reads.days)
    add(
      await rowsOf(client, pgChainSql.daySpendOfCards, [
        cards,
        reads.days.from,
        reads.days.to ?? Number.MAX_SAFE_INTEGER,
      ]),
    );
  for (const r of reads.exact) add(await rowsOf(client, pgChainSql.exactSpendOfCards, [cards, r.from, r.to]));
  return out;
}

/** The state of each card held (in the caller's snapshot), as a `version=2` pull sends it. */
export async function cardStates(
  client: Client,
  cards: string[],
  now: number,
  policy: tierWindow.TierPolicy,
): Promise<Map<string, CardStateSnapshot>> {
  const out = new Map<string, CardStateSnapshot>();
  if (cards.length === 0) return out;
  const rows = await rowsOf<ChainRow>(client, pgChainSql.cardChains, [cards]);
  const grants = new Map<string, string[]>();
  for (const g of await rowsOf<{ card_id: string; grant_key: string }>(client, pgChainSql.grantsOfCards, [
    cards,
    cardGrantsMax,
  ]))
    grants.set(g.card_id, [...(grants.get(g.card_id) ?? []), g.grant_key]);
  const ranges = tierWindow.tierRanges(policy, now);
  const spend = ranges.spendFrom === null ? null : await spendOf(client, cards, ranges.spendFrom, null);
  const floor =
    ranges.floor === null ? null : await spendOf(client, cards, ranges.floor.from, ranges.floor.to);
  const rewardUses = await heldRewardUsesPg(client, cards, now);
  for (const row of rows) {
    const lifetime = Number(row.lifetimeSpendMinor);
    const figures: CardChainFigures = {
      ...row,
      enrolledAt: row.enrolledAt === null ? null : Number(row.enrolledAt),
      lifetimeSpendMinor: lifetime,
      purchaseCount: Number(row.purchaseCount),
      groups: JSON.parse(row.groups) as string[],
      grants: grants.get(row.cardId) ?? [],
      tierSpendMinor: spend === null ? lifetime : (spend.get(row.cardId) ?? 0),
      tierFloorMinor: floor === null ? 0 : (floor.get(row.cardId) ?? 0),
    };
    const held = rewardUses.get(row.cardId);
    const uses = held === undefined ? undefined : rewardUsesState(held);
    if (uses !== undefined) figures.rewardUses = uses;
    out.set(row.cardId, cardStateSnapshot(figures, now));
  }
  return out;
}

/**
 * Profiles of enrolments: stored, kept as conflicts, or dropped after an erasure; answers the cards
 * changed. Decided profile by profile, written table by table (conflicts, then profiles: the order
 * a push's enrolments keep), each in card order.
 */
export async function saveProfilesPg(
  client: Client,
  input: { tillId: string; profiles: readonly SyncProfile[]; now: number; lookupKey: string },
): Promise<string[]> {
  const cards = [...new Set(input.profiles.map((p) => p.cardId))];
  const enrolments = new Map(
    (
      await rowsOf<profileDecisions.HeldEnrolment & { card_id: string }>(client, pgChainSql.enrolmentsOf, [
        cards,
      ])
    ).map((r) => [r.card_id, r]),
  );
  const profiles = new Map<string, profileDecisions.ProfileRow>(
    (
      await rowsOf<profileDecisions.ProfileRow & { card_id: string }>(client, pgChainSql.profilesOf, [cards])
    ).map((r) => [r.card_id, r]),
  );
  const erased = new Set(
    (await rowsOf<{ card_id: string; profile_ref: string }>(client, pgChainSql.erasedRefs, [cards])).map(
      (r) => `${r.card_id}\u0000${r.profile_ref}`,
    ),
  );
  const conflicts: ConflictRow[] = [];
  const changed = new Set<string>();
  for (const p of input.profiles) {
    const held = profiles.get(p.cardId);
    const arrival = profileDecisions.decideProfileArrival(
      {
        enrolment: enrolments.get(p.cardId),
        profile: held,
        refErased: erased.has(`${p.cardId}\u0000${p.profileRef}`),
      },
      p.profileRef,
    );
    if (arrival === 'drop') continue;
    if (arrival === 'conflict') {
      conflicts.push({
        cardId: p.cardId,
        profileRef: p.profileRef,
        txnId: null,
        tillId: input.tillId,
        phone: p.phone,
        consentAt: p.consentAt,
        at: input.now,
      });
      continue;
    }
    profiles.set(p.cardId, {
      profileRef: p.profileRef,
      phone: p.phone,
      name: held?.name ?? null,
      birthDate: held?.birthDate ?? null,
      consentAt: p.consentAt,
    });
    changed.add(p.cardId);
  }
  await addConflicts(client, conflicts);
  for (const cardId of [...changed].sort(cardOrder)) {
    const p = profiles.get(cardId) as profileDecisions.ProfileRow;
    await putProfile(client, cardId, { ...p, birthMonthDay: profileRules.birthMonthDay(p.birthDate) }, input);
  }
  return [...changed];
}

/** A card's profile row written whole (the phone hashed with the chain's lookup key). */
async function putProfile(
  client: Client,
  cardId: string,
  p: {
    profileRef: string | null;
    phone: string | null;
    name: string | null;
    birthDate: string | null;
    birthMonthDay: string | null;
    consentAt: number | null;
  },
  at: { lookupKey: string; now: number },
): Promise<void> {
  await client.query(pgChainSql.putProfile, [
    cardId,
    p.profileRef,
    p.phone,
    p.phone === null ? null : profileRules.phoneHash(at.lookupKey, p.phone),
    p.name,
    p.birthDate,
    p.birthMonthDay,
    p.consentAt,
    at.now,
  ]);
}

export async function setProfilePg(
  client: Client,
  input: { cardId: string; patch: profileRules.CardProfilePatch; now: number; lookupKey: string },
): Promise<CardProfileView> {
  const { cardId } = input;
  const held = (await rowsOf<profileDecisions.ProfileRow>(client, pgChainSql.profilesOf, [[cardId]]))[0];
  const traits = (
    await rowsOf<{ groups: string; referredBy: string | null }>(client, pgChainSql.traitsOf, [[cardId]])
  )[0];
  const next = profileDecisions.applyProfilePatch(
    {
      profile: held,
      traits: traits && { groups: JSON.parse(traits.groups) as string[], referredBy: traits.referredBy },
    },
    input.patch,
  );
  const p = next.profile;
  await putProfile(
    client,
    cardId,
    { ...p, consentAt: p.consentAt === null ? null : Number(p.consentAt) },
    input,
  );
  await putTraits(
    client,
    [{ cardId, groups: JSON.stringify(next.traits.groups), referredBy: next.traits.referredBy }],
    input.now,
  );
  return profileDecisions.profileViewOf(cardId, next);
}

export async function assignSegmentsPg(
  client: Client,
  input: { rows: readonly SegmentRow[]; mode: 'add' | 'remove'; now: number },
): Promise<{ changed: string[]; rejected: RejectedLine[] }> {
  const byCard = new Map<string, SegmentRow[]>();
  for (const row of input.rows) byCard.set(row.cardId, [...(byCard.get(row.cardId) ?? []), row]);
  const held = new Map(
    (
      await rowsOf<{ card_id: string; groups: string; referredBy: string | null }>(
        client,
        pgChainSql.traitsOf,
        [[...byCard.keys()]],
      )
    ).map((r) => [r.card_id, r]),
  );
  const changed: { cardId: string; groups: string[]; referredBy: string | null }[] = [];
  const rejected: RejectedLine[] = [];
  for (const [cardId, rows] of byCard) {
    const h = held.get(cardId);
    const merged = profileDecisions.mergeGroups(
      h ? (JSON.parse(h.groups) as string[]) : [],
      rows,
      input.mode,
    );
    rejected.push(...merged.rejected);
    if (merged.changed) changed.push({ cardId, groups: merged.groups, referredBy: h?.referredBy ?? null });
  }
  await putTraits(
    client,
    changed.map((c) => ({ cardId: c.cardId, groups: JSON.stringify(c.groups), referredBy: c.referredBy })),
    input.now,
  );
  return { changed: changed.map((c) => c.cardId), rejected: rejected.sort((a, b) => a.line - b.line) };
}

export async function erasePg(client: Client, cardId: string, now: number): Promise<ErasureOutcome> {
  const refs = (await rowsOf<{ profile_ref: string }>(client, pgChainSql.refsOfCard, [cardId])).map(
    (r) => r.profile_ref,
  );
  await eraseRefs(client, cardId, refs);
  // enrol_conflict before card_profile: the order every writer of the two keeps.
  const conflictPhones = (await client.query(pgChainSql.eraseConflictPhones, [cardId])).rowCount ?? 0;
  const profileRecords = (await client.query(pgChainSql.dropProfile, [cardId])).rowCount ?? 0;
  const bodies = await rowsOf<{ till_id: string; epoch: string; seq: number }>(
    client,
    pgChainSql.phoneBodies,
    [cardId],
  );
  if (bodies.length > 0) {
    await client.query(pgChainSql.blankPhones, [cardId]);
    await addRedactions(
      client,
      cardId,
      bodies.map((b) => ({ tillId: b.till_id, epoch: b.epoch, seq: Number(b.seq) })),
      now,
    );
  }
  await client.query(pgChainSql.recordErasure, [cardId, now]);
  return {
    erased: profileRecords + conflictPhones + bodies.length > 0,
    profileRecords,
    conflictPhones,
    journalBodies: bodies.length,
  };
}

/** The tier job's next page of cards to renumber (state kept in `hub_setting`). */
export async function tierSlidePagePg(
  client: Client,
  input: { now: number; cardsMax: number; policy: tierWindow.TierPolicy },
): Promise<{ cards: string[]; done: boolean }> {
  // The job's own row first: two hubs running it at once take turns.
  await client.query(pgChainSql.lockSetting, ['tier_slide']);
  await ensureSalePartitions(client, input.now);
  const text = (await rowsOf<{ value: string }>(client, pgChainSql.setting, ['tier_slide']))[0]?.value;
  const held = text === undefined ? undefined : tierWindow.tierSlideStateSchema.parse(JSON.parse(text));
  const state = tierWindow.planTierSlide(held, input.policy, input.now);
  const pending = state.pending;
  if (pending === null) {
    await client.query(pgChainSql.putSetting, ['tier_slide', JSON.stringify(state)]);
    return { cards: [], done: true };
  }
  const cards = (
    pending.fromDay === null
      ? await rowsOf<{ card_id: string }>(client, pgChainSql.cardsWithSales, [pending.after, input.cardsMax])
      : await rowsOf<{ card_id: string }>(client, pgChainSql.cardsWithSpendIn, [
          pending.fromDay,
          pending.toDay,
          pending.after,
          input.cardsMax,
        ])
  ).map((r) => r.card_id);
  const done = cards.length < input.cardsMax;
  const next = done
    ? { ...state, pending: null }
    : { ...state, pending: { ...pending, after: cards[cards.length - 1] as string } };
  await client.query(pgChainSql.putSetting, ['tier_slide', JSON.stringify(next)]);
  return { cards, done };
}

export async function lookupSalePg(
  client: Client,
  lookup: saleLookups.SaleLookup,
): Promise<saleLookups.SaleLookupResult> {
  const candidates = (
    lookup.cardId !== undefined
      ? await rowsOf<saleLookups.SaleCandidate & { epoch: string }>(client, pgChainSql.salesOfReceiptOfCard, [
          lookup.cardId,
          lookup.receiptId,
          saleLookups.saleCandidatesMax,
        ])
      : await rowsOf<saleLookups.SaleCandidate & { epoch: string }>(client, pgChainSql.salesOfReceipt, [
          lookup.receiptId,
          saleLookups.saleCandidatesMax,
        ])
  ).map((r) => ({
    ...r,
    seq: Number(r.seq),
    occurredAt: Number(r.occurredAt),
    refundedMinor: Number(r.refundedMinor),
  }));
  const picked = saleLookups.pickSale(candidates, lookup);
  if (picked.kind !== 'one') return picked;
  const row = picked.row;
  const sale = (
    await rowsOf<{ body: string }>(client, pgChainSql.saleOfLookup, [row.cardId, row.occurredAt, row.txnId])
  )[0];
  if (sale === undefined) return { kind: 'unknown' };
  const lines = await rowsOf<{ lineId: string; returnedMicro: number }>(client, pgChainSql.linesOfSale, [
    row.cardId,
    row.occurredAt,
    row.txnId,
  ]);
  return saleLookups.saleLookupAnswer(
    row,
    sale.body,
    lines.map((l) => ({ lineId: l.lineId, returnedMicro: Number(l.returnedMicro) })),
  );
}
