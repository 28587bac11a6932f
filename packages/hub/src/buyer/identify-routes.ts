import type { Clock } from '@tillpoint/core';
import {
  type SyncError,
  type SyncErrorCode,
  type SyncIdentifyPhoneResponse,
  type SyncSendCodeResponse,
  type SyncVerifyCodeResponse,
  syncIdentifyPhoneRequestSchema,
  syncPhoneMatchesMax,
  syncSendCodeRequestSchema,
  syncVerifyCodeRequestSchema,
} from '@tillpoint/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { z } from 'zod';
import { phoneHash } from '../chain/card-profile-rules';
import type { HubStore } from '../hub-store';
import { newChallenge, newChallengeId, newCode } from './one-time-code-rules';
import { OneTimeCodes } from './one-time-codes';
import type { SmsGateway } from './sms-gateway';

/** What head office needs to identify buyers by phone for the tills. */
export interface IdentifyOptions {
  /** Cards whose phone hash this is (the report store's index), at most `limit`. */
  cardsByPhoneHash(hash: string, limit: number): Promise<string[]>;
  gateway: SmsGateway;
}

type Fail = (
  reply: FastifyReply,
  code: SyncErrorCode,
  message: string,
  extra?: Partial<SyncError>,
) => FastifyReply;

/**
 * The tills' identification routes (authenticated like every sync route):
 * `POST /v1/sync/identify/phone` (the cards of a phone), `POST /v1/sync/identify/code` (text a
 * one-time code to the card's phone), `POST /v1/sync/identify/verify` (check it).
 */
export function registerIdentifyRoutes(
  app: FastifyInstance,
  o: IdentifyOptions & { store: HubStore; clock: Clock; authenticate: onRequestHookHandler; fail: Fail },
): void {
  const codes = new OneTimeCodes();
  const hashOf = async (phone: string) => phoneHash(await o.store.phoneLookupKey(), phone);
  const parse = <T>(schema: z.ZodType<T>, request: FastifyRequest, reply: FastifyReply): T | undefined => {
    const parsed = schema.safeParse(request.body);
    if (parsed.success) return parsed.data;
    o.fail(reply, 'invalid_request', z.prettifyError(parsed.error));
    return undefined;
  };

  app.post('/v1/sync/identify/phone', { onRequest: o.authenticate }, async (request, reply) => {
    const body = parse(syncIdentifyPhoneRequestSchema, request, reply);
    if (body === undefined) return reply;
    const cardIds = await o.cardsByPhoneHash(await hashOf(body.phone), syncPhoneMatchesMax);
    const answer: SyncIdentifyPhoneResponse = { cardIds };
    return answer;
  });

  app.post('/v1/sync/identify/code', { onRequest: o.authenticate }, async (request, reply) => {
    const body = parse(syncSendCodeRequestSchema, request, reply);
    if (body === undefined) return reply;
    const now = o.clock.nowMs();
    const state = await o.store.getCardState(body.cardId, now);
    // The code goes only to the phone head office holds for the card (typed phone = its phone).
    if (state?.phoneHash == null || state.phoneHash !== (await hashOf(body.phone)))
      return o.fail(reply, 'phone_unknown', `card ${body.cardId} does not have this phone at head office`);
    const wait = codes.waitBeforeSending(body.cardId, now);
    if (wait > 0)
      return o.fail(
        reply,
        'rate_limited',
        `a code was sent to this card's phone a moment ago: wait ${Math.ceil(wait / 1000)} s`,
      );
    const code = newCode();
    const challenge = newChallenge({ challengeId: newChallengeId(), cardId: body.cardId, code, now });
    await o.gateway.send(body.phone, `Your loyalty code: ${code}. Say it to the cashier only.`);
    codes.add(challenge, now);
    const answer: SyncSendCodeResponse = {
      challengeId: challenge.challengeId,
      expiresAt: challenge.expiresAt,
    };
    return answer;
  });

  app.post('/v1/sync/identify/verify', { onRequest: o.authenticate }, async (request, reply) => {
    const body = parse(syncVerifyCodeRequestSchema, request, reply);
    if (body === undefined) return reply;
    const result = codes.check(body.challengeId, body.code, o.clock.nowMs());
    if (result === undefined) return o.fail(reply, 'code_expired', 'no such code in flight: send a new one');
    const { check } = result;
    if (check.kind === 'wrong')
      return o.fail(
        reply,
        'code_wrong',
        `not the code sent: ${check.attemptsLeft} ${check.attemptsLeft === 1 ? 'try' : 'tries'} left`,
        { attemptsLeft: check.attemptsLeft },
      );
    if (check.kind === 'expired') {
      const why = {
        timed_out: 'the code timed out',
        used: 'the code was used already',
        too_many_tries: 'too many wrong tries',
      };
      return o.fail(reply, 'code_expired', `${why[check.why]}: send a new one`);
    }
    const answer: SyncVerifyCodeResponse = { cardId: result.cardId, verified: true };
    return answer;
  });
}
