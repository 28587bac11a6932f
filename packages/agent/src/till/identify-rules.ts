import type { IdentifySpending } from '@tillpoint/protocol';
import { refusal, type SessionRefusal } from './session-result';

/** How long a buyer identified without the card stays identified at the till. */
export const identificationLifetimeMs = 15 * 60_000;
/** Identifications a till keeps at once (the oldest go first). */
export const identificationsMax = 1_000;

/** A buyer identified at this till without the card (kept in the agent's memory only). */
export interface Identification {
  identificationId: string;
  cardId: string;
  /** The phone as typed (E.164), kept only to ask head office for a code to it ('' for an app code). */
  phone: string;
  by: 'phone' | 'phone_code' | 'app_code';
  /** For an app code: what it was when it was scanned. */
  codeVerdict?: 'fresh' | 'expired' | 'replayed';
  foundAt: 'till' | 'head_office';
  expiresAt: number;
  /** The code head office sent for it, while one is in flight. */
  challengeId?: string;
}

/** What the buyer may do: spend once the phone is proved; otherwise a code, or offline only earn. */
export function spendingOf(identification: Identification, headOfficeKnown: boolean): IdentifySpending {
  if (maySpendBy(identification)) return 'allowed';
  return identification.by === 'phone' && headOfficeKnown ? 'code_needed' : 'earn_only';
}

/** Spending needs a proved phone or a fresh app code. */
export function maySpendBy(identification: Identification): boolean {
  return (
    identification.by === 'phone_code' ||
    (identification.by === 'app_code' && identification.codeVerdict === 'fresh')
  );
}

/** The cashier's sentence for an identification. */
export function identificationMessage(spending: IdentifySpending, by: Identification['by']): string {
  if (by === 'app_code')
    return spending === 'allowed'
      ? 'The buyer page’s code is fresh: points may be earned and spent'
      : 'The buyer page’s code is old or was used already: the buyer may earn points; for spending, ask for the code on screen now';
  switch (spending) {
    case 'allowed':
      return 'The buyer proved the phone: points may be earned and spent';
    case 'code_needed':
      return 'Card found by phone: the buyer may earn points; to spend them, send a code to the phone';
    case 'earn_only':
      return 'Card found by phone while head office is out of reach: the buyer may earn points, not spend them';
  }
}

/** Which cards a phone names: this till's copy first, head office's answer when the till holds none. */
export function cardOfPhone(
  cardIds: readonly string[],
  phoneShown: string,
): { ok: true; cardId: string } | SessionRefusal {
  const [first, second] = cardIds;
  if (first === undefined) return refusal('phone_unknown', `no card has the phone ${phoneShown}`);
  if (second !== undefined)
    return refusal('phone_ambiguous', `${cardIds.length} cards have the phone ${phoneShown}: scan the card`, {
      cards: cardIds.length,
    });
  return { ok: true, cardId: first };
}

/** A quote, reservation or sale request as the gate reads it. */
export interface GatedRequest {
  cardCode?: string | undefined;
  identificationId?: string | undefined;
  spendPoints?: number | undefined;
  holdId?: string | undefined;
  rewards?: readonly unknown[] | undefined;
}

/** Whether a request spends points: a reservation always; a quote or sale with a spend, a hold or rewards. */
export function spendsPoints(route: 'quote' | 'reserve' | 'commit', r: GatedRequest): boolean {
  if (route === 'reserve') return true;
  return (r.spendPoints ?? 0) > 0 || r.holdId !== undefined || (r.rewards?.length ?? 0) > 0;
}

/**
 * The identification gate before quote, reserve and commit: a request that names an
 * identification must name a live one of its card, and may spend only once the phone was proved.
 */
export function identificationRefusal(
  identification: Identification | undefined,
  request: GatedRequest,
  spends: boolean,
  now: number,
): SessionRefusal | undefined {
  if (request.identificationId === undefined) return undefined;
  if (
    identification === undefined ||
    identification.expiresAt <= now ||
    identification.cardId !== request.cardCode
  )
    return refusal(
      'identification_unknown',
      `no identification ${request.identificationId} for card ${request.cardCode ?? '(none)'} at this till: identify the buyer again`,
    );
  if (spends && !maySpendBy(identification))
    return refusal(
      'spend_needs_code',
      identification.by === 'app_code'
        ? 'the buyer page’s code was old or used already: scan the code on screen now to spend points (earning needs none)'
        : 'the buyer was found by phone: send a code to the phone and check it before spending points (earning needs none)',
    );
  return undefined;
}
