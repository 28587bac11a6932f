import { createPublicKey, verify } from 'node:crypto';
import { cardStateSchema } from '@tillpoint/core';
import { z } from 'zod';

/**
 * The sync protocol between a till and head office, as zod schemas shared by the agent's
 * sync client and the hub. Times are Unix milliseconds; points are integers.
 *
 * - `POST /v1/enrol` with a one-time code → the till's own secret and the hub's public key.
 * - `POST /v1/sync/push` with `Authorization: Bearer <tillId>:<secret>` and
 *   `Idempotency-Key: <tillId>:<epoch>:<fromSeq>-<toSeq>`: outbox entries in sequence.
 * - `GET /v1/sync/changes?cursor=N&limit=M`: what the till needs since its cursor.
 * - `POST /v1/sync/cards-seen`: cards just scanned at the till that it holds no snapshot of;
 *   they become known at the till's store, so the next pull brings their balances.
 * - `POST /v1/sync/profiles`: personal data of enrolments, out of band (never in the journal).
 * - `GET /v1/sync/sales/:receiptId?storeId=&tillId=&cardId=`: a sale of any till, for a return.
 */

/** Bounds of one push: a batch is refused beyond either. */
export const syncBatchEntriesMax = 500;
export const syncBatchBytesMax = 1_048_576;
/**
 * Bounds of one pull page: at most this many card snapshots and this many blocklist changes
 * (a till asks for fewer with `limit`), and at most `syncPullRuleSetsMax` rule sets.
 */
export const syncPullItemsMax = 5_000;
export const syncPullRuleSetsMax = 16;
/** Per-card offline caps head office keeps; all of a store's are sent with every page. */
export const syncCardCapsMax = 10_000;
/** Cards one cards-seen request may name. */
export const syncCardsSeenMax = 200;
/** Postings of one entry, and the largest amount (points, either sign) a posting may carry. */
export const syncEntryPostingsMax = 512;
export const syncPostingPointsMax = 1_000_000_000_000;

const id = z.string().min(1).max(128);
const ms = z.number().int().nonnegative();
const points = z.number().int().min(-syncPostingPointsMax).max(syncPostingPointsMax);
const cap = z.number().int().nonnegative().max(1_000_000_000);

/** Store and till ids as store IT writes them in the agent's config. */
export const syncNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits and . _ - only');

export const enrolCodeSchema = z
  .string()
  .min(16, 'the one-time code printed by `tillpoint-hub till add`')
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'the code is letters, digits, _ and - only');

export const syncEnrolRequestSchema = z.strictObject({
  code: enrolCodeSchema,
  tillId: syncNameSchema,
});
export type SyncEnrolRequest = z.infer<typeof syncEnrolRequestSchema>;

export const syncEnrolResponseSchema = z.strictObject({
  tillId: syncNameSchema,
  storeId: syncNameSchema,
  /** base64url of 32 random bytes; the hub keeps only its sha256. */
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** The hub's Ed25519 public key (SPKI PEM): rule sets are signed with its private key. */
  hubPublicKeyPem: z.string().min(40).max(1_000),
});
export type SyncEnrolResponse = z.infer<typeof syncEnrolResponseSchema>;

export function idempotencyKeyFor(tillId: string, epoch: string, fromSeq: number, toSeq: number): string {
  return `${tillId}:${epoch}:${fromSeq}-${toSeq}`;
}

/**
 * The fields of an outbox entry the batch checks; the rest is kept as sent. Posting amounts
 * are bounded integers, so a sum of an entry's postings is exact (and head office sums them
 * as BigInt all the same).
 */
export const syncEntryHeaderSchema = z.looseObject({
  tillId: syncNameSchema,
  epoch: id,
  seq: z.number().int().positive(),
  postings: z.array(z.looseObject({ amount: points })).max(syncEntryPostingsMax),
});

export const syncPushRequestSchema = z
  .strictObject({
    tillId: syncNameSchema,
    epoch: id,
    fromSeq: z.number().int().positive(),
    toSeq: z.number().int().positive(),
    /**
     * Outbox entries (`outboxEntrySchema` of `@tillpoint/ledger`, which the hub applies to each
     * one; this package does not depend on the ledger, so only the sequencing fields are typed here).
     */
    entries: z.array(syncEntryHeaderSchema).min(1).max(syncBatchEntriesMax),
  })
  .superRefine((batch, ctx) => {
    if (batch.toSeq - batch.fromSeq + 1 !== batch.entries.length) {
      ctx.addIssue({ code: 'custom', message: 'toSeq - fromSeq + 1 must equal the number of entries' });
      return;
    }
    batch.entries.forEach((entry, i) => {
      if (entry.seq !== batch.fromSeq + i)
        ctx.addIssue({
          code: 'custom',
          path: ['entries', i, 'seq'],
          message: `expected seq ${batch.fromSeq + i}`,
        });
      if (entry.tillId !== batch.tillId)
        ctx.addIssue({
          code: 'custom',
          path: ['entries', i, 'tillId'],
          message: 'every entry is the batch till',
        });
      if (entry.epoch !== batch.epoch)
        ctx.addIssue({
          code: 'custom',
          path: ['entries', i, 'epoch'],
          message: 'every entry is the batch epoch',
        });
    });
  });
export type SyncPushRequest = z.infer<typeof syncPushRequestSchema>;

export const syncPushResponseSchema = z.strictObject({
  epoch: id,
  /** Every entry of this epoch up to here is at head office; the till may mark them acked. */
  ackedThrough: z.number().int().nonnegative(),
  applied: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
});
export type SyncPushResponse = z.infer<typeof syncPushResponseSchema>;

/** Refusals and failures of the sync API, each with a stable code. */
export const syncErrorCodes = [
  'unauthorized',
  'wrong_till',
  'invalid_request',
  'idempotency_mismatch',
  'payload_too_large',
  'sequence_gap',
  'batch_replayed',
  'chain_broken',
  'epoch_conflict',
  'enrol_code_invalid',
  'rate_limited',
  'unavailable',
  /** `GET /v1/sync/sales/:receiptId`: head office holds no such sale (yet): 404. */
  'sale_unknown',
  /** `GET /v1/sync/sales/:receiptId`: several sales match; name the till or the card: 409. */
  'sale_ambiguous',
  /** `POST /v1/sync/identify/*`: no card has this phone (or not the named card): 404. */
  'phone_unknown',
  /** `POST /v1/sync/identify/verify`: not the code sent: 422. */
  'code_wrong',
  /** `POST /v1/sync/identify/verify`: the code timed out, was used, or was guessed at too often: 410. */
  'code_expired',
] as const;
export type SyncErrorCode = (typeof syncErrorCodes)[number];

export const syncErrorSchema = z.strictObject({
  code: z.enum(syncErrorCodes),
  message: z.string(),
  /** On `sequence_gap` and `batch_replayed`: the next seq the hub expects in this epoch. */
  expectedSeq: z.number().int().positive().optional(),
  /** On `batch_replayed`: the hub already holds the batch; the till may ack through this. */
  ackedThrough: z.number().int().nonnegative().optional(),
  /** On `code_wrong`: tries left for this code. */
  attemptsLeft: z.number().int().nonnegative().optional(),
});
export type SyncError = z.infer<typeof syncErrorSchema>;

export { cardGrantsMax, cardGroupsMax } from '@tillpoint/core';

/**
 * Head office's card as a till needs it besides points (docs/chain-sync.md): the state it
 * enrolled, the counters the rules read (sums of sale facts), the once-only grant keys, and the
 * profile fields the rules read (`cardStateSchema` of `@tillpoint/core`, which the ledger keeps).
 */
export const cardStateSnapshotSchema = cardStateSchema;
export type CardStateSnapshot = z.infer<typeof cardStateSnapshotSchema>;

export const balanceSnapshotSchema = z.strictObject({
  cardId: id,
  /** Spendable points at head office (all tills' entries it holds, vesting and expiry by its job). */
  available: points,
  pending: points,
  blocked: z.boolean(),
  /** Flagged for review (an offline overspend was booked to the offline overdraft). */
  flagged: z.boolean(),
  /** The card beyond its points, for tills that pull with `version=2`. */
  card: cardStateSnapshotSchema.optional(),
});
export type BalanceSnapshot = z.infer<typeof balanceSnapshotSchema>;

export const blocklistChangeSchema = z.strictObject({ cardId: id, blocked: z.boolean(), changedAt: ms });
export type BlocklistChange = z.infer<typeof blocklistChangeSchema>;

/**
 * Which stores a rule set is for: the store groups head office named and the stores they held
 * when it was signed (`stores`, sorted, no repeats). The till applies the set only when its own
 * store is among `stores`; a rule set without a target is for every store.
 */
export const ruleSetTargetSchema = z.strictObject({
  groups: z.array(syncNameSchema).min(1).max(64),
  stores: z.array(syncNameSchema).max(10_000),
});
export type RuleSetTarget = z.infer<typeof ruleSetTargetSchema>;

export const signedRuleSetSchema = z.strictObject({
  version: z.string().min(1).max(64),
  effectiveFrom: ms,
  /** The rule set as JSON text (parsed by `@tillpoint/rules` at the till after the signature checks). */
  ruleSetJson: z.string().min(2).max(1_000_000),
  /** Absent: every store. Signed with the rest (see `ruleSetSigningText`). */
  target: ruleSetTargetSchema.optional(),
  /** base64 Ed25519 signature of `ruleSetSigningText`. */
  signature: z.string().min(80).max(100),
});
export type SignedRuleSet = z.infer<typeof signedRuleSetSchema>;

/**
 * What head office signs: `version + "\n" + effectiveFrom + "\n" + ruleSetJson`, and for a
 * targeted set one more line, `"\ntarget groups=a,b stores=s1,s2"`. A set without a target
 * signs exactly as before targets existed, so sets published then keep verifying. The JSON is
 * compact (no raw newline), and a text ending in a target line is not JSON: an untargeted
 * reading of a targeted signature cannot pass the program check at the till.
 */
export function ruleSetSigningText(
  ruleSet: Pick<SignedRuleSet, 'version' | 'effectiveFrom' | 'ruleSetJson'> & {
    target?: RuleSetTarget | undefined;
  },
): string {
  const base = `${ruleSet.version}\n${ruleSet.effectiveFrom}\n${ruleSet.ruleSetJson}`;
  if (ruleSet.target === undefined) return base;
  return `${base}\ntarget groups=${ruleSet.target.groups.join(',')} stores=${ruleSet.target.stores.join(',')}`;
}

/** True when head office's Ed25519 key (SPKI PEM) signed this rule set; false for anything else. */
export function verifyRuleSet(publicKeyPem: string, ruleSet: SignedRuleSet): boolean {
  try {
    return verify(
      null,
      Buffer.from(ruleSetSigningText(ruleSet)),
      createPublicKey(publicKeyPem),
      Buffer.from(ruleSet.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** True when the rule set is for this store: no target (every store), or the store among the signed ones. */
export function ruleSetIsForStore(ruleSet: Pick<SignedRuleSet, 'target'>, storeId: string): boolean {
  return ruleSet.target === undefined || ruleSet.target.stores.includes(storeId);
}

export const offlineLimitsSchema = z.strictObject({
  /** Offline spending is allowed only while the last successful sync is younger than this. */
  maxSyncAgeMs: z
    .number()
    .int()
    .nonnegative()
    .max(30 * 86_400_000),
  /** The most one card may spend at this store while offline (before head office hears of it). */
  perCardCap: cap,
  /**
   * The most all cards together may spend at this till while offline: head office divides the
   * store's offline cap among the store's enrolled tills, so the store never exceeds it.
   */
  tillTotalCap: cap,
  /** Per-card exceptions to `perCardCap` (a trusted card, a card under review at 0). */
  cards: z.array(z.strictObject({ cardId: id, cap })).max(syncCardCapsMax),
});
export type OfflineLimits = z.infer<typeof offlineLimitsSchema>;

/** Stocked rewards one pull may carry. */
export const syncRewardStockMax = 500;

/**
 * Head office's figure for a limited catalogue reward (issue 18), as of the pull's watermark:
 * the units left chain-wide (below zero when tills offline took more than there was) and the
 * uses one till may grant offline on it (the agent README, "Reward stock").
 */
export const rewardStockSchema = z.strictObject({
  rewardId: id,
  remaining: z.number().int().min(-1_000_000_000).max(1_000_000_000),
  offlinePerTill: z.number().int().nonnegative().max(1_000),
});
export type RewardStockFigure = z.infer<typeof rewardStockSchema>;

export const syncChangesResponseSchema = z.strictObject({
  /** Pass it back as `cursor` next time. */
  cursor: z.number().int().nonnegative(),
  /** More changes wait: pull again at once. */
  more: z.boolean(),
  /**
   * The snapshot includes every entry of this till up to `seq` of `epoch` (and whatever the
   * hub holds from other tills): at the till, spendable = snapshot + own entries after it.
   */
  watermark: z.strictObject({ epoch: id.nullable(), seq: z.number().int().nonnegative() }),
  balances: z.array(balanceSnapshotSchema).max(syncPullItemsMax),
  blocklist: z.array(blocklistChangeSchema).max(syncPullItemsMax),
  /** The chain's key for phone hashes (base64url, 32 bytes), for `version=2` pulls. */
  phoneLookupKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/)
    .optional(),
  ruleSets: z.array(signedRuleSetSchema).max(syncPullRuleSetsMax),
  limits: offlineLimitsSchema,
  /** On `version=4` pulls: every stocked reward (tills that ask for less never see the field). */
  rewardStock: z.array(rewardStockSchema).max(syncRewardStockMax).optional(),
});
export type SyncChangesResponse = z.infer<typeof syncChangesResponseSchema>;

/**
 * The pull's request header naming the rule-set version in force at the till (URI-encoded), or
 * `none`: head office keeps the last one each till reported (`tillpoint-hub rules versions`).
 */
export const syncRulesInForceHeader = 'tillpoint-rules-version';
export const syncRulesInForceSchema = z.string().min(1).max(64);

export const syncChangesQuerySchema = z.strictObject({
  cursor: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().max(syncPullItemsMax).default(1_000),
  /**
   * 2: each balance carries the card's state (`card`); tills from before it ask for 1.
   * 3: as 2, and rule sets for store groups (`target`) come too; earlier pulls get only the
   * sets for every store (their schema has no `target`).
   * 4: as 3, and the stock of limited catalogue rewards (`rewardStock`).
   */
  version: z.coerce.number().int().min(1).max(4).default(1),
});

/** Profiles one request may carry. */
export const syncProfilesMax = 200;

/**
 * Personal data collected at enrolment, sent to head office out of band (never in the
 * journal): the till keeps it until head office acknowledges it, then deletes it.
 */
export const syncProfileSchema = z.strictObject({
  cardId: id,
  /** The enrolment entry's `detail.profileRef`: ties the data to the enrolment without holding it. */
  profileRef: id,
  phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/),
  consentAt: ms,
});
export type SyncProfile = z.infer<typeof syncProfileSchema>;

export const syncProfilesRequestSchema = z.strictObject({
  profiles: z.array(syncProfileSchema).min(1).max(syncProfilesMax),
});
export type SyncProfilesRequest = z.infer<typeof syncProfilesRequestSchema>;

export const syncProfilesResponseSchema = z.strictObject({
  /** Profile refs head office holds now (kept, or a second enrolment kept as a conflict): delete them at the till. */
  acknowledged: z.array(id).max(syncProfilesMax),
});
export type SyncProfilesResponse = z.infer<typeof syncProfilesResponseSchema>;

/** The most a sale entry (an outbox entry carrying `sale`) may take as JSON. */
export const syncSaleEntryBytesMax = 262_144;

/** A POS receipt id as a sale fact carries it (the path parameter of the sale lookup). */
export const syncReceiptIdSchema = z.string().min(1).max(64);

/**
 * The query of `GET /v1/sync/sales/:receiptId`: a receipt id is unique at its till (in practice,
 * its store), not in the chain, so the lookup names the sale's store (default: the asking till's
 * store), its till, or its card (one shard on a distributed database); any of them narrows it.
 */
export const syncSaleLookupQuerySchema = z.strictObject({
  storeId: syncNameSchema.optional(),
  tillId: syncNameSchema.optional(),
  cardId: id.optional(),
});
export type SyncSaleLookupQuery = z.infer<typeof syncSaleLookupQuerySchema>;

/**
 * `GET /v1/sync/sales/:receiptId`: a sale made at any till of the chain, for a return at
 * another till. `sale` is the ledger's sale fact (`saleFactSchema` of `@tillpoint/ledger`,
 * which the agent applies; typed loosely here as the push entries are).
 */
export const syncSaleLookupResponseSchema = z.strictObject({
  txnId: id,
  tillId: syncNameSchema,
  cardId: id,
  occurredAt: ms,
  rulesVersion: z.string().max(64).nullable(),
  sale: z.record(z.string(), z.unknown()),
  /** Units of each line already returned, at any till. */
  returned: z.array(z.strictObject({ lineId: id, quantity: z.number().nonnegative() })).max(1_000),
  /** Money already given back for this sale. */
  refundedMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type SyncSaleLookupResponse = z.infer<typeof syncSaleLookupResponseSchema>;

/**
 * A card scanned for the first time at a store: head office has never sent its balance there
 * (snapshots go to stores where the card is known). Naming it makes it known at the store.
 */
export const syncCardsSeenRequestSchema = z.strictObject({
  cardIds: z.array(id).min(1).max(syncCardsSeenMax),
});
export type SyncCardsSeenRequest = z.infer<typeof syncCardsSeenRequestSchema>;

export const syncCardsSeenResponseSchema = z.strictObject({
  /** Cards that were not known at the store before (and exist at head office or not). */
  added: z.number().int().nonnegative(),
});
export type SyncCardsSeenResponse = z.infer<typeof syncCardsSeenResponseSchema>;
