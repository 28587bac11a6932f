import type { OutboxEntry } from '@tillpoint/ledger';
import type { IngestedEntry } from '../ingested-entries';
import type { AlertDraft, AlertLevel, AlertSubjectKind, EvidenceEntry } from './fraud-alert';
import type { DetectorName, DetectorRule, FraudConfig, HardAction } from './fraud-config';
import { BoundedMap, KeyedWindows, type WindowEvent } from './keyed-windows';
import type { RecheckVerdict } from './recheck-sale';

/** The soft or hard level a measure reaches (null: neither), with the threshold it passed. */
export function levelOf(
  rule: DetectorRule,
  measured: number,
): { level: AlertLevel; threshold: number } | null {
  if (rule.hard !== null && measured >= rule.hard) return { level: 'hard', threshold: rule.hard };
  if (rule.soft !== null && measured >= rule.soft) return { level: 'soft', threshold: rule.soft };
  return null;
}

const member = (e: OutboxEntry) =>
  e.postings.reduce(
    (sum, p) => (p.account === 'member_available' || p.account === 'member_pending' ? sum + p.amount : sum),
    0,
  );

/** An entry as evidence. */
export function evidenceOf(item: IngestedEntry): EvidenceEntry {
  const e = item.entry;
  return {
    tillId: e.tillId,
    epoch: e.epoch,
    seq: e.seq,
    txnId: e.txnId,
    kind: e.kind,
    cardId: e.cardId,
    storeId: e.sale?.storeId ?? e.returned?.storeId ?? item.storeId,
    occurredAt: e.occurredAt,
    receiptId: e.sale?.receiptId ?? e.returned?.origin.receiptId ?? null,
    cashierId: e.sale?.cashierId ?? e.returned?.cashierId ?? null,
    memberPoints: member(e),
    spentPoints: e.sale ? e.sale.lines.reduce((sum, l) => sum + l.spentPoints, 0) : 0,
  };
}

const hours = (ms: number) =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;

/** What each detector measures, in words (the alert's summary). */
const measureText: Record<DetectorName, (n: number, w: string) => string> = {
  cardPointsPerPurchase: (n) => `${n} points earned by one purchase`,
  cardPointsPerDay: (n, w) => `${n} points earned within ${w}`,
  cardRedemptionBurst: (n, w) => `${n} purchases paid with points within ${w}`,
  cardManyStores: (n, w) => `purchases at ${n} stores within ${w}`,
  cardEarnThenRefund: (n, w) => `${n} returns of purchases that earned points within ${w}`,
  cardSpendAfterEnrolment: (n, w) => `${n} points spent within ${w} of enrolment`,
  cardAtOneTill: (n, w) => `${n} purchases at one till within ${w}`,
  cashierOwnCard: (n, w) => `${n} purchases by one cashier on this card within ${w}`,
  tillManualAdjustments: (n, w) => `${n} manual adjustments within ${w}`,
  cashierManualAdjustments: (n, w) => `${n} manual adjustments within ${w}`,
  tillManyCards: (n, w) => `${n} different cards within ${w}`,
  storeAdjustmentPoints: (n, w) => `${n} points of manual adjustments within ${w}`,
};

const subjectWords: Record<AlertSubjectKind, string> = {
  card: 'card',
  till: 'till',
  cashier: 'cashier',
  store: 'store',
};

/**
 * The detectors of fraud control, on the stream of what head office ingests: per card, till,
 * cashier and store, each a count or a sum over a window with a soft and a hard level
 * (`FraudConfig.detectors`), plus the checks that need no count (a re-check that does not
 * match, credits no sale explains). Memory is bounded (`keysMax` keys a detector, `eventsMax`
 * events a key); state lives as long as the object (the serve job keeps one), so windows span
 * the job's runs. Decides only: the job stores the alerts and takes the actions.
 */
export class FraudDetectors {
  readonly #windows = new Map<DetectorName, KeyedWindows>();
  /** Sales that earned points, by txn id: their time (for returns after earning). */
  readonly #earningSales: BoundedMap<number>;
  /** Enrolment time by card. */
  readonly #enrolledAt: BoundedMap<number>;
  /** Dedupe keys raised by this object (the store dedupes too). */
  readonly #raised: BoundedMap<true>;
  /** Spend of each card seen (its tier's hint for the re-check). */
  readonly #spend: BoundedMap<number>;

  constructor(readonly config: FraudConfig) {
    this.#earningSales = new BoundedMap(config.keysMax);
    this.#enrolledAt = new BoundedMap(config.keysMax);
    this.#raised = new BoundedMap(config.keysMax);
    this.#spend = new BoundedMap(config.keysMax);
  }

  /** Head office's running guess of the card's spend before this sale (the re-check tries that tier first). */
  spendHint(cardId: string): number {
    return this.#spend.get(cardId) ?? 0;
  }

  /** One ingested entry (and its re-check, for a sale): the alerts it raises. */
  observe(item: IngestedEntry, verdict: RecheckVerdict | null): AlertDraft[] {
    const e = item.entry;
    const ref = evidenceOf(item);
    const out: AlertDraft[] = [];
    if (verdict?.kind === 'mismatch') out.push(this.#recheckAlert(ref, verdict));
    const unexplained = this.#unexplained(e);
    if (unexplained !== null)
      out.push(this.#checkAlert('unexplainedCredit', ref, unexplained, this.config.unexplainedAction));
    if (e.kind === 'sale' && e.sale) this.#sale(e, ref, out);
    else if (e.kind === 'return') this.#return(e, ref, out);
    else if (e.kind === 'adjustment') this.#adjustment(e, ref, out);
    else if (e.kind === 'card_enrolled') this.#enrolledAt.set(e.cardId, e.occurredAt);
    return out.filter((a) => {
      if (this.#raised.get(a.dedupeKey)) return false;
      this.#raised.set(a.dedupeKey, true);
      return true;
    });
  }

  #sale(e: OutboxEntry, ref: EvidenceEntry, out: AlertDraft[]): void {
    const sale = e.sale;
    if (!sale) return;
    const earned =
      sale.lines.reduce((s, l) => s + l.earnedPoints, 0) + sale.bonuses.reduce((s, b) => s + b.points, 0);
    const spent = ref.spentPoints;
    const card = `card:${e.cardId}`;
    this.#spend.set(e.cardId, this.spendHint(e.cardId) + sale.spendMinor);
    if (earned > 0) this.#earningSales.set(e.txnId, e.occurredAt);
    this.#single('cardPointsPerPurchase', { kind: 'card', id: e.cardId }, ref, earned, out);
    this.#sum('cardPointsPerDay', card, { kind: 'card', id: e.cardId }, ref, earned, null, out);
    if (spent > 0) this.#sum('cardRedemptionBurst', card, { kind: 'card', id: e.cardId }, ref, 1, null, out);
    this.#distinct('cardManyStores', card, { kind: 'card', id: e.cardId }, ref, ref.storeId, out);
    this.#sum('cardAtOneTill', `${card}|${e.tillId}`, { kind: 'card', id: e.cardId }, ref, 1, null, out);
    if (sale.cashierId !== null)
      this.#sum(
        'cashierOwnCard',
        `${sale.storeId}|${sale.cashierId}|${e.cardId}`,
        { kind: 'card', id: e.cardId },
        ref,
        1,
        null,
        out,
      );
    this.#distinct('tillManyCards', `till:${e.tillId}`, { kind: 'till', id: e.tillId }, ref, e.cardId, out);
    const enrolled = this.#enrolledAt.get(e.cardId);
    const rule = this.config.detectors.cardSpendAfterEnrolment;
    if (
      spent > 0 &&
      enrolled !== undefined &&
      e.occurredAt - enrolled <= rule.windowMs &&
      e.occurredAt >= enrolled
    )
      this.#sum('cardSpendAfterEnrolment', card, { kind: 'card', id: e.cardId }, ref, spent, null, out);
  }

  #return(e: OutboxEntry, ref: EvidenceEntry, out: AlertDraft[]): void {
    const saleTxn = e.reverses ?? e.returned?.origin.txnId ?? null;
    const soldAt = saleTxn === null ? undefined : this.#earningSales.get(saleTxn);
    const takesEarned =
      ref.memberPoints < 0 && e.postings.some((p) => p.account === 'issued_liability' && p.amount > 0);
    const rule = this.config.detectors.cardEarnThenRefund;
    if ((soldAt !== undefined && e.occurredAt - soldAt <= rule.windowMs) || takesEarned)
      this.#sum('cardEarnThenRefund', `card:${e.cardId}`, { kind: 'card', id: e.cardId }, ref, 1, null, out);
  }

  #adjustment(e: OutboxEntry, ref: EvidenceEntry, out: AlertDraft[]): void {
    const actor = typeof e.detail.actor === 'string' ? e.detail.actor : null;
    this.#sum('tillManualAdjustments', `till:${e.tillId}`, { kind: 'till', id: e.tillId }, ref, 1, null, out);
    if (actor !== null)
      this.#sum(
        'cashierManualAdjustments',
        `${ref.storeId}|${actor}`,
        { kind: 'cashier', id: `${ref.storeId}/${actor}` },
        ref,
        1,
        null,
        out,
      );
    if (ref.memberPoints > 0)
      this.#sum(
        'storeAdjustmentPoints',
        `store:${ref.storeId}`,
        { kind: 'store', id: ref.storeId },
        ref,
        ref.memberPoints,
        null,
        out,
      );
  }

  /** Why a till's entry credits points no sale explains, or null. */
  #unexplained(e: OutboxEntry): string | null {
    const credit = member(e);
    if (credit <= 0) return null;
    if (e.kind === 'adjustment') {
      const role = typeof e.detail.role === 'string' ? e.detail.role : null;
      const actor = typeof e.detail.actor === 'string' && e.detail.actor !== '' ? e.detail.actor : null;
      if (actor === null) return `a manual accrual of ${credit} points names no employee`;
      if (role === null || !this.config.authorisedAdjustmentRoles.includes(role))
        return `a manual accrual of ${credit} points by ${actor} (${role ?? 'no role'}), who may not authorise one`;
      return null;
    }
    if (e.kind === 'card_enrolled' || e.kind === 'card_blocked' || e.kind === 'card_unblocked')
      return `a ${e.kind.replace('_', ' ')} entry credits ${credit} points`;
    return null;
  }

  #single(
    name: DetectorName,
    subject: AlertDraft['subject'],
    ref: EvidenceEntry,
    measured: number,
    out: AlertDraft[],
  ): void {
    const rule = this.config.detectors[name];
    const hit = levelOf(rule, measured);
    if (hit) out.push(this.#draft(name, rule, subject, ref, measured, hit, [ref], ref.txnId));
  }

  #sum(
    name: DetectorName,
    key: string,
    subject: AlertDraft['subject'],
    ref: EvidenceEntry,
    value: number,
    tag: string | null,
    out: AlertDraft[],
  ): void {
    const rule = this.config.detectors[name];
    if (rule.soft === null && rule.hard === null) return;
    const windows = this.#windowsOf(name);
    windows.add(key, { at: ref.occurredAt, value, tag, ref });
    const events = windows.within(key, ref.occurredAt, rule.windowMs);
    const measured = events.reduce((s, ev) => s + ev.value, 0);
    this.#raise(name, rule, subject, ref, measured, events, key, out);
  }

  #distinct(
    name: DetectorName,
    key: string,
    subject: AlertDraft['subject'],
    ref: EvidenceEntry,
    tag: string,
    out: AlertDraft[],
  ): void {
    const rule = this.config.detectors[name];
    if (rule.soft === null && rule.hard === null) return;
    const windows = this.#windowsOf(name);
    windows.add(key, { at: ref.occurredAt, value: 1, tag, ref });
    const events = windows.within(key, ref.occurredAt, rule.windowMs);
    const measured = new Set(events.map((ev) => ev.tag)).size;
    this.#raise(name, rule, subject, ref, measured, events, key, out);
  }

  #raise(
    name: DetectorName,
    rule: DetectorRule,
    subject: AlertDraft['subject'],
    ref: EvidenceEntry,
    measured: number,
    events: WindowEvent[],
    key: string,
    out: AlertDraft[],
  ): void {
    const hit = levelOf(rule, measured);
    if (!hit) return;
    const bucket = Math.floor(ref.occurredAt / rule.windowMs);
    const refs = events.map((ev) => ev.ref).slice(-this.config.evidenceMax);
    out.push(this.#draft(name, rule, subject, ref, measured, hit, refs, `${key}|${bucket}`));
  }

  #draft(
    name: DetectorName,
    rule: DetectorRule,
    subject: AlertDraft['subject'],
    ref: EvidenceEntry,
    measured: number,
    hit: { level: AlertLevel; threshold: number },
    entries: EvidenceEntry[],
    key: string,
  ): AlertDraft {
    const window = hours(rule.windowMs);
    const action: HardAction = hit.level === 'hard' && subject.kind === 'card' ? rule.action : 'none';
    return {
      dedupeKey: `${name}|${hit.level}|${key}`,
      kind: name,
      level: hit.level,
      subject,
      cardId: subject.kind === 'card' ? subject.id : null,
      storeId: ref.storeId,
      tillId: ref.tillId,
      measured,
      threshold: hit.threshold,
      windowMs: name === 'cardPointsPerPurchase' ? null : rule.windowMs,
      at: ref.occurredAt,
      summary: `${subjectWords[subject.kind]} ${subject.id}: ${measureText[name](measured, window)} (${hit.level === 'hard' ? 'hard' : 'alert'} level ${hit.threshold})`,
      evidence: { entries, recheck: null },
      action,
    };
  }

  #recheckAlert(ref: EvidenceEntry, v: Extract<RecheckVerdict, { kind: 'mismatch' }>): AlertDraft {
    const what = v.overCredit
      ? `the till credited ${v.tillPoints} points where rules ${v.rulesVersion} give ${v.officePoints}`
      : `the till's points (${v.tillPoints}) differ from rules ${v.rulesVersion} (${v.officePoints}) line by line`;
    const draft = this.#checkAlert(
      'recheckMismatch',
      ref,
      `receipt ${ref.receiptId}: ${what}`,
      v.overCredit ? this.config.recheckAction : 'none',
    );
    return {
      ...draft,
      level: v.overCredit ? 'hard' : 'soft',
      measured: v.tillPoints,
      threshold: v.officePoints,
      evidence: { entries: [ref], recheck: v },
    };
  }

  #checkAlert(
    kind: 'recheckMismatch' | 'unexplainedCredit',
    ref: EvidenceEntry,
    why: string,
    action: HardAction,
  ): AlertDraft {
    return {
      dedupeKey: `${kind}|${ref.tillId}|${ref.epoch}|${ref.seq}`,
      kind,
      level: 'hard',
      subject: { kind: 'card', id: ref.cardId },
      cardId: ref.cardId,
      storeId: ref.storeId,
      tillId: ref.tillId,
      measured: ref.memberPoints,
      threshold: 0,
      windowMs: null,
      at: ref.occurredAt,
      summary: `card ${ref.cardId} at till ${ref.tillId}: ${why}`,
      evidence: { entries: [ref], recheck: null },
      action,
    };
  }

  #windowsOf(name: DetectorName): KeyedWindows {
    let w = this.#windows.get(name);
    if (w === undefined) {
      w = new KeyedWindows(this.config.keysMax, this.config.eventsPerKeyMax);
      this.#windows.set(name, w);
    }
    return w;
  }
}
