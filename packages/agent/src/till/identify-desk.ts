import { randomBytes } from 'node:crypto';
import { type Clock, judgeRotatingCode, parseRotatingCode } from '@tillpoint/core';
import {
  type IdentifyAnswer,
  type IdentifyRequest,
  maskedPhone,
  phoneLookupHash,
  type SendCodeAnswer,
  type SendCodeRequest,
  syncPhoneMatchesMax,
  type VerifyCodeRequest,
  verifyRotatingCode,
} from '@tillpoint/protocol';
import type { AppCodesSeen } from './identify-code-store';
import type { IdentifyHeadOffice } from './identify-head-office';
import {
  cardOfPhone,
  type GatedRequest,
  type Identification,
  identificationLifetimeMs,
  identificationMessage,
  identificationRefusal,
  identificationsMax,
  spendingOf,
  spendsPoints,
} from './identify-rules';
import { refusal, type SessionRefusal, type SessionResult } from './session-result';

export interface IdentifyDeskDeps {
  clock: Clock;
  /** Head office's cards at this till by phone hash (the sync state); absent when the till works alone. */
  phoneIndex?: {
    readonly phoneLookupKey: string | undefined;
    cardsByPhoneHash(hash: string, limit: number): string[];
  };
  headOffice?: IdentifyHeadOffice;
  /** Whether the last sync reached head office (a code can be sent only then). */
  online: () => boolean;
  /** The card as the till sees it: a blocked card is refused here too. */
  cardCheck: (cardCode: string) => SessionRefusal | undefined;
  /** Head office's public key the till pinned at enrolment: it signs the buyer pages' keys. */
  hubPublicKeyPem?: string;
  /** The rotating codes taken here (replays earn only). */
  appCodesSeen?: AppCodesSeen;
}

/**
 * Buyers identified at this till without the card (issue 18): by phone, found offline in the
 * phone hashes head office sent with its cards or asked of head office; a one-time code
 * through head office lets them spend. Identifications live in memory for 15 minutes; the
 * decisions are identify-rules.ts's.
 */
export class IdentifyDesk {
  readonly #ids = new Map<string, Identification>();

  constructor(private readonly d: IdentifyDeskDeps) {}

  async identify(request: IdentifyRequest): Promise<SessionResult<IdentifyAnswer>> {
    return 'code' in request ? this.#byAppCode(request.code) : this.#byPhone(request.phone);
  }

  /** The buyer page's rotating code: both signatures checked offline, then fresh, old or replayed. */
  #byAppCode(text: string): SessionResult<IdentifyAnswer> {
    const unreadable = (why: string) =>
      refusal(
        'code_unreadable',
        `this is not a code of the buyer page (${why}): ask the buyer to show it again`,
      );
    const parsed = parseRotatingCode(text);
    if (!parsed.ok) return unreadable(parsed.reason);
    const code = parsed.code;
    if (this.d.hubPublicKeyPem === undefined) return unreadable('this till is not enrolled at head office');
    if (!verifyRotatingCode(this.d.hubPublicKeyPem, code)) return unreadable('its signature does not hold');
    const now = this.d.clock.nowMs();
    const verdict = judgeRotatingCode(code, now, false);
    if (verdict.kind === 'refused') return unreadable(verdict.reason.replaceAll('_', ' '));
    const blocked = this.d.cardCheck(code.cardId);
    if (blocked !== undefined) return blocked;
    // Taken only now, once it is known good: a bad code never uses up a step.
    const seen = this.d.appCodesSeen?.takeOnce(code.cardId, code.step, now) ?? false;
    const final = judgeRotatingCode(code, now, seen);
    const identification: Identification = {
      identificationId: `idn_${randomBytes(16).toString('base64url')}`,
      cardId: code.cardId,
      phone: '',
      by: 'app_code',
      codeVerdict: final.kind === 'fresh' || final.kind === 'replayed' ? final.kind : 'expired',
      foundAt: 'till',
      expiresAt: now + identificationLifetimeMs,
    };
    this.#keep(identification, now);
    return { ok: true, value: this.#answer(identification) };
  }

  async #byPhone(phone: string): Promise<SessionResult<IdentifyAnswer>> {
    const request = { phone };
    const shown = maskedPhone(request.phone);
    const key = this.d.phoneIndex?.phoneLookupKey;
    let foundAt: Identification['foundAt'] = 'till';
    let cardIds =
      key === undefined
        ? []
        : (this.d.phoneIndex?.cardsByPhoneHash(phoneLookupHash(key, request.phone), syncPhoneMatchesMax) ??
          []);
    if (cardIds.length === 0 && this.d.headOffice !== undefined) {
      const asked = await this.d.headOffice.cardsOfPhone(request.phone);
      if (asked.kind === 'answered') {
        cardIds = asked.value.cardIds;
        foundAt = 'head_office';
      } else if (asked.kind === 'unreachable')
        return refusal(
          'phone_unknown',
          `no card with the phone ${shown} at this till, and head office cannot be asked now: scan the card or sell without loyalty`,
          { headOffice: 'unreachable' },
        );
    }
    const found = cardOfPhone(cardIds, shown);
    if (!found.ok) return found;
    const blocked = this.d.cardCheck(found.cardId);
    if (blocked !== undefined) return blocked;
    const now = this.d.clock.nowMs();
    const identification: Identification = {
      identificationId: `idn_${randomBytes(16).toString('base64url')}`,
      cardId: found.cardId,
      phone: request.phone,
      by: 'phone',
      foundAt,
      expiresAt: now + identificationLifetimeMs,
    };
    this.#keep(identification, now);
    return { ok: true, value: this.#answer(identification) };
  }

  async sendCode(request: SendCodeRequest): Promise<SessionResult<SendCodeAnswer>> {
    const identification = this.#live(request.identificationId);
    if (!identification.ok) return identification;
    const id = identification.value;
    if (id.by === 'app_code')
      return refusal(
        'identification_unknown',
        'the buyer came with the app code: scan the code on screen now to spend',
      );
    if (this.d.headOffice === undefined) return unreachable('this till works without head office');
    const sent = await this.d.headOffice.sendCode(id.cardId, id.phone);
    if (sent.kind === 'unreachable') return unreachable(sent.message);
    if (sent.kind === 'refused')
      return sent.code === 'phone_unknown'
        ? refusal(
            'phone_unknown',
            `head office does not hold the phone ${maskedPhone(id.phone)} for this card`,
          )
        : refusal(sent.code === 'rate_limited' ? 'rate_limited' : 'head_office_unreachable', sent.message);
    this.#ids.set(id.identificationId, { ...id, challengeId: sent.value.challengeId });
    return {
      ok: true,
      value: {
        identificationId: id.identificationId,
        codeExpiresAt: new Date(sent.value.expiresAt).toISOString(),
        message: `A code was sent to ${maskedPhone(id.phone)}: ask the buyer for the six digits`,
      },
    };
  }

  async verifyCode(request: VerifyCodeRequest): Promise<SessionResult<IdentifyAnswer>> {
    const identification = this.#live(request.identificationId);
    if (!identification.ok) return identification;
    const id = identification.value;
    if (id.challengeId === undefined)
      return refusal('code_expired', 'no code was sent for this buyer: send one');
    if (this.d.headOffice === undefined) return unreachable('this till works without head office');
    const checked = await this.d.headOffice.verifyCode(id.challengeId, request.code);
    if (checked.kind === 'unreachable') return unreachable(checked.message);
    if (checked.kind === 'refused') {
      if (checked.code === 'code_wrong')
        return refusal('code_wrong', checked.message, { attemptsLeft: checked.attemptsLeft ?? 0 });
      return refusal('code_expired', checked.message);
    }
    if (checked.value.cardId !== id.cardId)
      return refusal('code_wrong', 'head office checked a code of another card', { attemptsLeft: 0 });
    const proved: Identification = { ...id, by: 'phone_code' };
    delete proved.challengeId;
    this.#ids.set(id.identificationId, proved);
    return { ok: true, value: this.#answer(proved) };
  }

  /** The gate before quote, reserve and commit (see `identificationRefusal`). */
  gate(route: 'quote' | 'reserve' | 'commit', request: GatedRequest): SessionRefusal | undefined {
    if (request.identificationId === undefined) return undefined;
    const found = this.#ids.get(request.identificationId);
    return identificationRefusal(found, request, spendsPoints(route, request), this.d.clock.nowMs());
  }

  #answer(id: Identification): IdentifyAnswer {
    const spending = spendingOf(id, this.d.headOffice !== undefined && this.d.online());
    return {
      identificationId: id.identificationId,
      cardCode: id.cardId,
      by: id.by,
      ...(id.codeVerdict === undefined ? {} : { codeVerdict: id.codeVerdict }),
      spending,
      foundAt: id.foundAt,
      message: identificationMessage(spending, id.by),
      expiresAt: new Date(id.expiresAt).toISOString(),
    };
  }

  #live(identificationId: string): SessionResult<Identification> {
    const found = this.#ids.get(identificationId);
    if (found === undefined || found.expiresAt <= this.d.clock.nowMs())
      return refusal(
        'identification_unknown',
        `no identification ${identificationId} at this till: identify the buyer again`,
      );
    return { ok: true, value: found };
  }

  #keep(identification: Identification, now: number): void {
    for (const [id, kept] of this.#ids) if (kept.expiresAt <= now) this.#ids.delete(id);
    while (this.#ids.size >= identificationsMax) {
      const oldest = this.#ids.keys().next().value;
      if (oldest === undefined) break;
      this.#ids.delete(oldest);
    }
    this.#ids.set(identification.identificationId, identification);
  }
}

function unreachable(why: string): SessionRefusal {
  return refusal(
    'head_office_unreachable',
    `head office cannot be reached, so no code can be sent or checked: the buyer may earn points, not spend them (${why})`,
  );
}
