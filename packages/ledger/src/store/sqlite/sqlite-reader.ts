import type { CardStatus } from '@tillpoint/core';
import type { MemberAccount } from '../../model/accounts';
import type { CardState } from '../../model/card-state';
import type { Lot, LotTake } from '../../model/lots';
import type { OutboxBody } from '../../model/outbox-entry';
import type { RewardUseRow } from '../../model/reward-uses';
import type { SaleFact } from '../../model/sale-fact';
import type { CardSnapshot } from '../../model/snapshot';
import type * as ports from '../../operations/ledger-ports';
import type { LedgerOperationName } from '../../operations/results';
import { SqliteOutboxReader } from './sqlite-outbox';

interface LotRow {
  lot_id: string;
  card_id: string;
  source_txn: string;
  initial: number;
  remaining: number;
  vests_at: number;
  expires_at: number | null;
  account: MemberAccount;
}

interface IdempotencyRow {
  key: string;
  operation: LedgerOperationName;
  request_hash: string;
  fingerprint: string | null;
  result: string;
  answer: string | null;
  txn_id: string | null;
  created_at: number;
}

export function toLot(row: LotRow): Lot {
  return {
    lotId: row.lot_id,
    cardId: row.card_id,
    sourceTxnId: row.source_txn,
    initial: row.initial,
    remaining: row.remaining,
    vestsAt: row.vests_at,
    expiresAt: row.expires_at,
    account: row.account,
  };
}

function toIdempotency(row: IdempotencyRow | undefined): ports.IdempotencyRecord | undefined {
  if (row === undefined) return undefined;
  return {
    idempotencyKey: row.key,
    operation: row.operation,
    identity: row.request_hash,
    fingerprint: row.fingerprint,
    resultJson: row.result,
    answerJson: row.answer,
    txnId: row.txn_id,
    recordedAt: row.created_at,
  };
}

/** The ledger's reads over the SQLite file, through statements prepared at open. */
export class SqliteLedgerReader extends SqliteOutboxReader implements ports.LedgerReader {
  card(cardId: string): ports.CardRecord | undefined {
    const row = this.s.getCard.get(cardId) as
      | {
          card_id: string;
          status: CardStatus;
          status_before_block: 'anonymous' | 'enrolled' | null;
          consent_at: number | null;
          enrolled_at: number | null;
          lifetime_spend_minor: number;
          purchase_count: number;
        }
      | undefined;
    if (row === undefined) return undefined;
    return {
      cardId: row.card_id,
      status: row.status,
      statusBeforeBlock: row.status_before_block,
      consentAt: row.consent_at,
      enrolledAt: row.enrolled_at,
      lifetimeSpendMinor: row.lifetime_spend_minor,
      purchaseCount: row.purchase_count,
    };
  }

  openLots(cardId: string): Lot[] {
    const rows = this.s.openLots.all(cardId) as [
      string,
      string,
      number,
      number,
      number,
      number | null,
      MemberAccount,
    ][];
    return rows.map(([lotId, sourceTxnId, initial, remaining, vestsAt, expiresAt, account]) => ({
      lotId,
      cardId,
      sourceTxnId,
      initial,
      remaining,
      vestsAt,
      expiresAt,
      account,
    }));
  }

  lot(lotId: string): Lot | undefined {
    const row = this.s.getLot.get(lotId) as LotRow | undefined;
    return row === undefined ? undefined : toLot(row);
  }

  lotsMadeBy(txnId: string): Lot[] {
    return (this.s.lotsOfEntry.all(txnId, txnId, txnId) as LotRow[]).map(toLot);
  }

  openLotIdsMadeAfter(cardId: string, epoch: string, seq: number): string[] {
    return this.s.openLotsMadeAfter.all(cardId, epoch, seq) as string[];
  }

  activeHoldLots(cardId: string, at: number): { holdId: string; lotId: string; points: number }[] {
    return (
      this.s.activeHoldLots.all(cardId, at) as { hold_id: string; lot_id: string; points: number }[]
    ).map((r) => ({ holdId: r.hold_id, lotId: r.lot_id, points: r.points }));
  }

  hold(holdId: string): ports.HoldRecord | undefined {
    const row = this.s.getHold.get(holdId) as
      | {
          hold_id: string;
          card_id: string;
          points: number;
          created_at: number;
          expires_at: number;
          state: ports.HoldState;
        }
      | undefined;
    if (row === undefined) return undefined;
    return {
      holdId: row.hold_id,
      cardId: row.card_id,
      points: row.points,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      state: row.state,
    };
  }

  holdAllocations(holdId: string): LotTake[] {
    return (this.s.holdLots.all(holdId) as { lot_id: string; points: number }[]).map((a) => ({
      lotId: a.lot_id,
      points: a.points,
    }));
  }

  snapshot(cardId: string): CardSnapshot | undefined {
    const row = this.s.getSnapshot.get(cardId) as
      | {
          card_id: string;
          available: number;
          pending: number;
          watermark_epoch: string | null;
          watermark_seq: number;
          delta: number;
          received_at: number;
          card_state: string | null;
          own_spend_minor: number;
          own_purchases: number;
          own_grants: string;
          own_status: CardStatus | null;
          own_enrolled_at: number | null;
        }
      | undefined;
    if (row === undefined) return undefined;
    return {
      cardId: row.card_id,
      available: row.available,
      pending: row.pending,
      watermarkEpoch: row.watermark_epoch,
      watermarkSeq: row.watermark_seq,
      delta: row.delta,
      receivedAt: row.received_at,
      card: row.card_state === null ? null : (JSON.parse(row.card_state) as CardState),
      own: {
        spendMinor: row.own_spend_minor,
        purchases: row.own_purchases,
        grants: row.own_grants === '[]' ? [] : (JSON.parse(row.own_grants) as string[]),
        status: row.own_status,
        enrolledAt: row.own_enrolled_at,
      },
    };
  }

  sale(receiptId: string): ports.SaleRow | undefined {
    const row = this.s.getSale.get(receiptId) as SaleTableRow | undefined;
    return row === undefined ? undefined : saleRowOf(row);
  }

  recentSales(limit: number): (ports.SaleRow & { occurredAt: number })[] {
    return (this.s.recentSales.all(limit) as (SaleTableRow & { occurred_at: number })[]).map((row) => ({
      ...saleRowOf(row),
      occurredAt: row.occurred_at,
    }));
  }

  saleFact(txnId: string): SaleFact | undefined {
    const body = this.s.entryBody.get(txnId) as string | undefined;
    return body === undefined ? undefined : (JSON.parse(body) as OutboxBody).sale;
  }

  otherTillReturns(receiptId: string): ports.OtherTillReturn[] {
    return (
      this.s.otherTillReturns.all(receiptId) as {
        txn_id: string;
        units: string;
        refund_minor: number;
        epoch: string;
        till_seq: number;
      }[]
    ).map((r) => ({
      txnId: r.txn_id,
      epoch: r.epoch,
      seq: r.till_seq,
      units: JSON.parse(r.units) as Record<string, number>,
      refundMinor: r.refund_minor,
    }));
  }

  pendingProfiles(limit: number): ports.PendingProfile[] {
    return (
      this.s.pendingProfiles.all(limit) as {
        card_id: string;
        profile_ref: string;
        phone: string;
        consent_at: number;
      }[]
    ).map((r) => ({ cardId: r.card_id, profileRef: r.profile_ref, phone: r.phone, consentAt: r.consent_at }));
  }

  grantedOnce(cardId: string): string[] {
    return this.s.grantedOnce.all(cardId) as string[];
  }

  rewardUses(cardId: string): RewardUseRow[] {
    return this.s.rewardUses.all(cardId) as RewardUseRow[];
  }

  idempotency(idempotencyKey: string): ports.IdempotencyRecord | undefined {
    return toIdempotency(this.s.getIdempotency.get(idempotencyKey) as IdempotencyRow | undefined);
  }

  saleIdempotency(receiptId: string): ports.IdempotencyRecord | undefined {
    return toIdempotency(this.s.saleIdempotency.get(receiptId) as IdempotencyRow | undefined);
  }
}

interface SaleTableRow {
  receipt_id: string;
  txn_id: string;
  card_id: string;
  basket_total_minor: number;
  returned_minor: number;
  earned_reversed: number;
  spent: string;
  returned_lines: string;
}

function saleRowOf(row: SaleTableRow): ports.SaleRow {
  return {
    receiptId: row.receipt_id,
    txnId: row.txn_id,
    cardId: row.card_id,
    basketTotalMinor: row.basket_total_minor,
    returnedMinor: row.returned_minor,
    earnedReversed: row.earned_reversed,
    spent: (JSON.parse(row.spent) as [string, number, number][]).map(([lotId, points, restored]) => ({
      lotId,
      points,
      restored,
    })),
    lineUnits: JSON.parse(row.returned_lines) as Record<string, number>,
  };
}
