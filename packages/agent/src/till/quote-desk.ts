import type { Card, Clock } from '@tillpoint/core';
import type { LedgerStore } from '@tillpoint/ledger';
import { pointsPerOperationMax, type QuoteRequest, type RewardChoices } from '@tillpoint/protocol';
import { type ProgramVersion, type Quote, quote } from '@tillpoint/rules';
import { type CardRange, classifyCode } from '@tillpoint/scanner';
import type { AgentConfig } from '../config/agent-config';
import type { OfflineSpendGate } from '../sync/offline-gate';
import { anonymousCard, cardFromView } from './card-for-rules';
import { offlineSpendCap } from './offline-spend';
import { limitedRewards } from './reward-sale';
import { refusal, type SessionResult } from './session-result';

export interface QuoteAsk {
  spendPoints?: number | undefined;
  rewards?: RewardChoices | undefined;
  /** Points this sale's own hold reserves: they count as the card's for the quote. */
  heldByThisSale?: number;
}

/**
 * The rules' answer for a card at this till: which scanned codes are cards (the configured
 * ranges, offline), the card as the rules read it (refused when blocked), and the quote, with
 * the till's offline spending cap told to the rules. Reads only.
 */
export class QuoteDesk {
  constructor(
    private readonly d: { config: AgentConfig; clock: Clock; offlineGate?: OfflineSpendGate },
    private readonly program: () => ProgramVersion,
  ) {}

  /** Which codes the cashier scanned are cards: by the configured ranges, offline. */
  checkCardCode(code: string): SessionResult<string> {
    const ranges: readonly CardRange[] = this.d.config.cardRanges;
    if (ranges.length === 0) return { ok: true, value: code };
    const cls = classifyCode(code, ranges);
    if (cls.kind === 'card') return { ok: true, value: code };
    if (cls.kind === 'invalid_check_digit') {
      return refusal('card_unknown', `${code} has a wrong check digit: a misread card, scan it again`, {
        reason: 'invalid_check_digit',
      });
    }
    return refusal(
      'card_unknown',
      `${code} is not a loyalty card of this program (it looks like a product barcode)`,
      { reason: 'not_a_card' },
    );
  }

  cardFor(ledger: LedgerStore, code: string | undefined, atMs: number): SessionResult<Card> {
    if (code === undefined) return { ok: true, value: anonymousCard('anonymous') };
    const checked = this.checkCardCode(code);
    if (!checked.ok) return checked;
    this.d.offlineGate?.cardSeen?.(code);
    if (this.d.offlineGate?.blocked(code))
      return refusal('card_blocked', `card ${code} is blocked by head office: sell without loyalty`);
    const view = ledger.getCard(code, atMs);
    if (view === undefined) return { ok: true, value: anonymousCard(code) };
    if (view.status === 'blocked')
      return refusal(
        'card_blocked',
        `card ${code} is blocked: sell without loyalty and tell the buyer to call the hotline`,
      );
    return { ok: true, value: cardFromView(view) };
  }

  /** The rules' answer for a basket, or a refusal when the ledger could not book it as quoted. */
  run(basket: QuoteRequest['basket'], card: Card, atMs: number, ask: QuoteAsk = {}): SessionResult<Quote> {
    const version = this.program();
    const program = version.program;
    if (basket.currency !== program.currency) {
      return refusal(
        'currency_mismatch',
        `the basket is in ${basket.currency} but this till's loyalty program counts in ${program.currency}`,
        { basketCurrency: basket.currency, programCurrency: program.currency },
      );
    }
    const held = ask.heldByThisSale ?? 0;
    const withHold: Card =
      held > 0 ? { ...card, balance: { ...card.balance, spendable: card.balance.spendable + held } } : card;
    const spendCap = held > 0 ? undefined : offlineSpendCap(this.d.offlineGate, card);
    const rewardStock = limitedRewards(program) ? this.d.offlineGate?.rewardStock?.() : undefined;
    const q = quote(basket, withHold, version, new Date(atMs), {
      ...(ask.spendPoints === undefined ? {} : { spendPoints: ask.spendPoints }),
      ...(ask.rewards === undefined || ask.rewards.length === 0
        ? {}
        : {
            rewards: ask.rewards.map((r) => ({
              id: r.id,
              ...(r.times === undefined ? {} : { times: r.times }),
            })),
          }),
      ...(spendCap === undefined ? {} : { spendCap }),
      ...(rewardStock === undefined ? {} : { rewardStock }),
    });
    if (q.earned.totalPoints > pointsPerOperationMax) {
      return refusal(
        'above_maximum',
        `this basket would earn ${q.earned.totalPoints} points, more than one sale may book (${pointsPerOperationMax}): check the amounts`,
        { earnedPoints: q.earned.totalPoints, max: pointsPerOperationMax },
      );
    }
    return { ok: true, value: q };
  }
}
