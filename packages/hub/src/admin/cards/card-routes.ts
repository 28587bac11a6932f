import { z } from 'zod';
import { phoneHash } from '../../chain/card-profile-rules';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute, type RouteInput } from '../admin-route';
import type { ConsoleData } from '../console-data';
import { can, storeScopeOf } from '../roles';
import { publicAdjustment } from './adjustment-routes';
import {
  blockRequestSchema,
  capRequestSchema,
  cardParamsSchema,
  cardResponseSchema,
  movementsQuerySchema,
  movementsResponseSchema,
  phoneMatchesSchema,
  phoneQuerySchema,
  saleLinesResponseSchema,
  saleParamsSchema,
} from './card-api-schemas';
import { cardScopeRefusal } from './card-scope';
import { cardView, movementOf, saleLineView } from './card-view';

/** Newest movements shown with the card; older ones page with `next`. */
const firstPageMovements = 50;
const cardAdjustmentsShown = 20;

type CardInput = RouteInput<unknown, unknown, { cardId: string }>;

/** The card's stores, or the refusal of a person who may not see it (written to the trail). */
async function scoped(data: ConsoleData, input: CardInput) {
  const { cardId } = input.params;
  const stores = await data.reports.cardStores(cardId);
  const actor = input.actor;
  if (actor === null) return refusal('unauthorized', 'sign in first');
  const refused = cardScopeRefusal(actor, cardId, stores);
  if (refused !== null) {
    await input.audit({
      action: 'access.refused',
      target: `card:${cardId}`,
      outcome: 'refused',
      note: 'out of scope',
    });
    return refused;
  }
  return { ok: true as const, stores };
}

async function movementsPage(
  data: ConsoleData,
  cardId: string,
  page: { before?: string | undefined; limit: number },
) {
  const at = page.before?.indexOf(':') ?? -1;
  const before =
    page.before === undefined
      ? null
      : { occurredAt: Number(page.before.slice(0, at)), txnId: page.before.slice(at + 1) };
  const rows = await data.reports.cardEntries(cardId, { before, limit: page.limit });
  const last = rows.at(-1);
  return {
    movements: rows.map(movementOf),
    next: rows.length === page.limit && last ? `${Number(last.occurredAt)}:${last.txnId}` : null,
  };
}

const noCard = (cardId: string) => refusal('not_found', `head office holds no card ${cardId}`);

const lookup = (data: ConsoleData) =>
  adminRoute({
    method: 'GET',
    url: '/cards/:cardId',
    access: 'cards.read',
    tag: 'cards',
    summary:
      'A card: status, balance, pending, lots with expiry, tier and progress, the newest movements and corrections',
    params: cardParamsSchema,
    response: cardResponseSchema,
    async handle(input) {
      const { cardId } = input.params;
      const scope = await scoped(data, input as CardInput);
      if (!scope.ok) return scope;
      const [card, state] = await Promise.all([
        data.hub.getCard(cardId, input.now),
        data.hub.getCardState(cardId, input.now),
      ]);
      if (card === null && state === null) return noCard(cardId);
      const showPersonal = can((input.actor as NonNullable<typeof input.actor>).user.role, 'cards.profile');
      const [lots, cap, personal, ruleSet, movements, adjustments] = await Promise.all([
        data.reports.cardLots(cardId),
        data.reports.cardCap(cardId),
        data.reports.cardPersonal(cardId),
        data.reports.ruleSetAt(input.now),
        movementsPage(data, cardId, { before: undefined, limit: firstPageMovements }),
        input.deps.store.listAdjustments({ cardId, limit: cardAdjustmentsShown }),
      ]);
      const view = cardView({
        cardId,
        card,
        state,
        stores: scope.stores,
        lots,
        cap,
        personal,
        showPersonal,
        programJson: ruleSet?.json ?? null,
        now: input.now,
      });
      return { ok: true, body: { card: view, movements, adjustments: adjustments.map(publicAdjustment) } };
    },
  });

const movements = (data: ConsoleData) =>
  adminRoute({
    method: 'GET',
    url: '/cards/:cardId/movements',
    access: 'cards.read',
    tag: 'cards',
    summary: 'Older movements of a card, newest first (`before` = the previous page’s `next`)',
    params: cardParamsSchema,
    query: movementsQuerySchema,
    response: movementsResponseSchema,
    async handle(input) {
      const scope = await scoped(data, input as CardInput);
      if (!scope.ok) return scope;
      return { ok: true, body: await movementsPage(data, input.params.cardId, input.query) };
    },
  });

const lines = (data: ConsoleData) =>
  adminRoute({
    method: 'GET',
    url: '/cards/:cardId/sales/:txnId',
    access: 'cards.read',
    tag: 'cards',
    summary: 'The sale lines behind a movement: goods, amounts, points earned and spent per line',
    params: saleParamsSchema,
    response: saleLinesResponseSchema,
    async handle(input) {
      const scope = await scoped(data, input as CardInput);
      if (!scope.ok) return scope;
      const rows = await data.reports.saleLines(input.params.cardId, input.params.txnId);
      if (rows.length === 0)
        return refusal('not_found', `head office holds no sale lines for ${input.params.txnId} of this card`);
      return { ok: true, body: { lines: rows.map(saleLineView) } };
    },
  });

const block = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/cards/:cardId/block',
    access: 'cards.block',
    tag: 'cards',
    summary: 'Block or unblock a card (tills learn at their next pull); audited',
    params: cardParamsSchema,
    body: blockRequestSchema,
    response: z.object({ cardId: z.string(), blocked: z.boolean() }),
    async handle({ params, body, now, audit }) {
      const card = await data.hub.getCard(params.cardId, now);
      if (card === null) return noCard(params.cardId);
      await data.hub.setCardBlocked(params.cardId, body.blocked, now);
      await audit({
        action: body.blocked ? 'cards.block' : 'cards.unblock',
        target: `card:${params.cardId}`,
        before: { blocked: card.blocked },
        after: { blocked: body.blocked },
        note: body.note ?? null,
      });
      return { ok: true, body: { cardId: params.cardId, blocked: body.blocked } };
    },
  });

const cap = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/cards/:cardId/offline-cap',
    access: 'cards.cap',
    tag: 'cards',
    summary: 'Set the most points a card may spend offline at a till (null: the store’s share); audited',
    params: cardParamsSchema,
    body: capRequestSchema,
    response: z.object({ cardId: z.string(), offlineCap: z.number().int().nullable() }),
    async handle({ params, body, now, audit }) {
      if ((await data.hub.getCard(params.cardId, now)) === null) return noCard(params.cardId);
      const before = await data.reports.cardCap(params.cardId);
      await data.hub.setCardCap(params.cardId, body.cap);
      await audit({
        action: 'cards.cap',
        target: `card:${params.cardId}`,
        before: { offlineCap: before },
        after: { offlineCap: body.cap },
      });
      return { ok: true, body: { cardId: params.cardId, offlineCap: body.cap } };
    },
  });

/** Cards one phone finds at most (a phone is on one card; re-enrolments may leave a few). */
const phoneMatchesMax = 20;

const byPhone = (data: ConsoleData) =>
  adminRoute({
    method: 'GET',
    url: '/cards',
    access: 'cards.read',
    tag: 'cards',
    summary: 'Find cards by the buyer’s phone (E.164 or as typed): the card numbers whose profile holds it',
    query: phoneQuerySchema,
    response: phoneMatchesSchema,
    async handle({ query, actor }) {
      const hash = phoneHash(await data.hub.phoneLookupKey(), query.phone);
      let cards = await data.reports.cardsByPhoneHash(hash, phoneMatchesMax);
      const scope = storeScopeOf((actor as NonNullable<typeof actor>).user);
      if (scope.kind === 'stores') {
        const stores = await Promise.all(cards.map((c) => data.reports.cardStores(c)));
        cards = cards.filter((_, i) => (stores[i] ?? []).some((s) => scope.storeIds.includes(s)));
      }
      return { ok: true, body: { cards } };
    },
  });

export function cardRoutes(data: ConsoleData): AdminRoute[] {
  return [byPhone(data), lookup(data), movements(data), lines(data), block(data), cap(data)] as AdminRoute[];
}
