import { sign } from 'node:crypto';
import { appKeyText, type Clock } from '@tillpoint/core';
import { e164PhoneSchema } from '@tillpoint/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { phoneHash } from '../chain/card-profile-rules';
import type { HubStore } from '../hub-store';
import type { HubKeys } from '../rule-signing';
import { registerBuyerApp } from './buyer-app-routes';
import { buyerCard } from './buyer-card';
import { BuyerSessions } from './buyer-sessions';
import type { IdentifyOptions } from './identify-routes';
import { programInForce } from './program-in-force';

/** How long head office's signature on a buyer page's key holds (the page renews it sooner). */
export const appKeyLifetimeMs = 7 * 86_400_000;
/** One sign-in text per phone this often. */
const linkGapMs = 30_000;

const signInSchema = z.strictObject({ phone: e164PhoneSchema });
const sessionSchema = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'the token from the link'),
});
const appKeySchema = z.strictObject({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'an Ed25519 public key, 32 bytes of base64url'),
});

type Refusal = { code: string; message: string };
const refuse = (reply: FastifyReply, status: number, r: Refusal) => reply.code(status).send(r);

function bodyOf<T>(schema: z.ZodType<T>, request: FastifyRequest, reply: FastifyReply): T | undefined {
  const parsed = schema.safeParse(request.body);
  if (parsed.success) return parsed.data;
  refuse(reply, 400, { code: 'invalid_request', message: z.prettifyError(parsed.error) });
  return undefined;
}

type BuyerRouteOptions = IdentifyOptions & { store: HubStore; clock: Clock; keys: HubKeys };

/** Sign-in: a link texted to the card's phone (`/sign-in`), taken once for a session (`/session`). */
function registerSignIn(app: FastifyInstance, o: BuyerRouteOptions, sessions: BuyerSessions): void {
  const lastLinkAt = new Map<string, number>();
  app.post('/buyer/v1/sign-in', async (request, reply) => {
    const b = bodyOf(signInSchema, request, reply);
    if (b === undefined) return reply;
    const now = o.clock.nowMs();
    // The same answer whether or not a card has the phone: the page tells nobody who is a member.
    const sent = { sent: true, message: 'If a card has this phone, a sign-in link is on its way by SMS.' };
    if ((lastLinkAt.get(b.phone) ?? -Infinity) + linkGapMs > now) return sent;
    if (lastLinkAt.size >= 50_000) lastLinkAt.clear();
    lastLinkAt.set(b.phone, now);
    const cards = await o.cardsByPhoneHash(phoneHash(await o.store.phoneLookupKey(), b.phone), 2);
    const [cardId] = cards;
    if (cardId === undefined || cards.length > 1) return sent;
    const token = sessions.newLink(cardId, now);
    const origin = `${request.protocol}://${request.host}`;
    await o.gateway.send(b.phone, `Your loyalty card: ${origin}/buyer/#t=${token} (valid 10 minutes)`);
    return sent;
  });

  app.post('/buyer/v1/session', async (request, reply) => {
    const b = bodyOf(sessionSchema, request, reply);
    if (b === undefined) return reply;
    const redeemed = sessions.redeem(b.token, o.clock.nowMs());
    if (redeemed === undefined)
      return refuse(reply, 410, {
        code: 'link_expired',
        message: 'this link was used or is too old: ask for a new one',
      });
    return redeemed;
  });
}

/**
 * The buyer page's API under `/buyer/v1` (and the page at `/buyer/`): sign in with a link texted
 * to the card's phone, the card's points, tier progress and the rewards and offers within reach
 * (`buyer-card.ts`), and head office's signature on the page's own key,
 * which lets tills verify its rotating codes offline.
 */
export function registerBuyerRoutes(app: FastifyInstance, o: BuyerRouteOptions): void {
  const sessions = new BuyerSessions();
  registerSignIn(app, o, sessions);
  const buyer = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    const header = request.headers.authorization ?? '';
    const cardId = header.startsWith('Buyer ')
      ? sessions.cardOf(header.slice(6), o.clock.nowMs())
      : undefined;
    if (cardId === undefined)
      refuse(reply, 401, { code: 'unauthorized', message: 'sign in again: ask for a new link by phone' });
    return cardId;
  };

  app.get('/buyer/v1/card', async (request, reply) => {
    const cardId = buyer(request, reply);
    if (cardId === undefined) return reply;
    const now = o.clock.nowMs();
    const [card, state, program, stock] = await Promise.all([
      o.store.getCard(cardId, now),
      o.store.getCardState(cardId, now),
      programInForce(o.store, now),
      o.store.rewardStock(),
    ]);
    return buyerCard({
      cardId,
      points: {
        available: card?.available ?? 0,
        pending: card?.pending ?? 0,
        blocked: card?.blocked ?? false,
      },
      state,
      program,
      now,
      rewardStock: Object.fromEntries(stock.map((r) => [r.rewardId, Math.max(0, r.remaining)])),
    });
  });

  app.post('/buyer/v1/app-key', async (request, reply) => {
    const cardId = buyer(request, reply);
    if (cardId === undefined) return reply;
    const b = bodyOf(appKeySchema, request, reply);
    if (b === undefined) return reply;
    const keyExpiresAt = o.clock.nowMs() + appKeyLifetimeMs;
    const hubSignature = sign(
      null,
      Buffer.from(appKeyText(cardId, b.publicKey, keyExpiresAt)),
      o.keys.privateKey,
    );
    return { cardId, appKey: b.publicKey, keyExpiresAt, hubSignature: hubSignature.toString('base64url') };
  });

  registerBuyerApp(app);
}
