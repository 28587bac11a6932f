import { z } from 'zod';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';
import type { ConsoleData } from '../console-data';
import {
  cardParamsSchema,
  eraseRequestSchema,
  eraseResponseSchema,
  profileRequestSchema,
  reviewRequestSchema,
} from './card-api-schemas';
import { profileAuditOf } from './profile-audit';

/**
 * What head office does to a card besides points: change its profile (support, marketers),
 * erase its personal data (security; the number typed again), and close its offline-overdraft
 * review (security). Each is audited; the tills learn on their next pull.
 */
const noCard = (cardId: string) => refusal('not_found', `head office holds no card ${cardId}`);

const profile = (data: ConsoleData) =>
  adminRoute({
    method: 'PATCH',
    url: '/cards/:cardId/profile',
    access: 'cards.profile',
    tag: 'cards',
    summary:
      "Change a card's profile (name, birth date, groups, referred-by; null clears a field); audited without the personal values",
    params: cardParamsSchema,
    body: profileRequestSchema,
    response: z.object({
      cardId: z.string(),
      completeness: z.number().int(),
      groups: z.array(z.string()),
      referredBy: z.string().nullable(),
    }),
    async handle({ params, body, now, audit }) {
      const { cardId } = params;
      const [card, state] = await Promise.all([
        data.hub.getCard(cardId, now),
        data.hub.getCardState(cardId, now),
      ]);
      if (card === null && state === null) return noCard(cardId);
      const view = await data.hub.setCardProfile(cardId, body, now);
      await audit({
        action: 'cards.profile',
        target: `card:${cardId}`,
        ...profileAuditOf(body, state?.profile ?? null, view),
      });
      return {
        ok: true,
        body: { cardId, completeness: view.completeness, groups: view.groups, referredBy: view.referredBy },
      };
    },
  });

const erase = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/cards/:cardId/erase',
    access: 'cards.erase',
    tag: 'cards',
    summary:
      "Erase a card's personal data (phone, name, birth date) everywhere; the card number typed again as `confirm`; audited",
    params: cardParamsSchema,
    body: eraseRequestSchema,
    response: eraseResponseSchema,
    async handle({ params, body, now, audit }) {
      const { cardId } = params;
      if (body.confirm !== cardId)
        return refusal('invalid_request', 'confirm: type the card number again to erase its personal data');
      const [card, state] = await Promise.all([
        data.hub.getCard(cardId, now),
        data.hub.getCardState(cardId, now),
      ]);
      if (card === null && state === null) return noCard(cardId);
      const outcome = await data.hub.eraseCard(cardId, now);
      await audit({ action: 'cards.erase', target: `card:${cardId}`, after: outcome });
      return { ok: true, body: outcome };
    },
  });

const reviewDone = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/cards/:cardId/review-done',
    access: 'cards.review',
    tag: 'cards',
    summary:
      "Close a flagged card's review (offline overdraft and other flags): the flag goes, the booked overdraft stays; audited",
    params: cardParamsSchema,
    body: reviewRequestSchema,
    response: z.object({ cardId: z.string(), flagged: z.literal(false) }),
    async handle({ params, body, now, audit }) {
      const { cardId } = params;
      const card = await data.hub.getCard(cardId, now);
      if (card === null) return noCard(cardId);
      if (!card.flagged) return refusal('not_flagged', `card ${cardId} is not flagged for review`);
      if (!(await data.hub.clearCardFlag(cardId)))
        return refusal(
          'not_flagged',
          `card ${cardId} is not flagged for review (someone closed it meanwhile)`,
        );
      await audit({
        action: 'cards.review_done',
        target: `card:${cardId}`,
        before: { flagged: true, flagReasons: card.flagReasons, overdraft: card.overdraft },
        after: { flagged: false },
        note: body.note ?? null,
      });
      return { ok: true, body: { cardId, flagged: false as const } };
    },
  });

export function cardCareRoutes(data: ConsoleData): AdminRoute[] {
  return [profile(data), erase(data), reviewDone(data)] as AdminRoute[];
}
