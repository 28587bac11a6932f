import {
  syncErrorSchema,
  syncIdentifyPhoneResponseSchema,
  syncSendCodeResponseSchema,
  syncVerifyCodeResponseSchema,
} from '@tillpoint/protocol';
import type { z } from 'zod';

/** What head office said to an identification call, or that it could not be asked. */
export type HeadOfficeAnswer<T> =
  | { kind: 'answered'; value: T }
  | { kind: 'refused'; code: string; message: string; attemptsLeft?: number }
  | { kind: 'unreachable'; message: string };

/** Head office's identification routes as the till uses them; tests may pass their own. */
export interface IdentifyHeadOffice {
  cardsOfPhone(phone: string): Promise<HeadOfficeAnswer<{ cardIds: string[] }>>;
  sendCode(
    cardId: string,
    phone: string,
  ): Promise<HeadOfficeAnswer<{ challengeId: string; expiresAt: number }>>;
  verifyCode(challengeId: string, code: string): Promise<HeadOfficeAnswer<{ cardId: string }>>;
}

/**
 * `/v1/sync/identify/*` over HTTP with the till's credential. The cashier waits on these, so
 * each call gives up after `timeoutMs` and says head office is unreachable.
 */
export class HttpIdentifyHeadOffice implements IdentifyHeadOffice {
  constructor(
    private readonly o: {
      url: string;
      tillId: string;
      secret: string;
      timeoutMs: number;
      fetch?: typeof fetch;
    },
  ) {}

  cardsOfPhone(phone: string) {
    return this.#post('/v1/sync/identify/phone', { phone }, syncIdentifyPhoneResponseSchema);
  }

  sendCode(cardId: string, phone: string) {
    return this.#post('/v1/sync/identify/code', { cardId, phone }, syncSendCodeResponseSchema);
  }

  async verifyCode(challengeId: string, code: string) {
    const answer = await this.#post(
      '/v1/sync/identify/verify',
      { challengeId, code },
      syncVerifyCodeResponseSchema,
    );
    return answer.kind === 'answered'
      ? { kind: 'answered' as const, value: { cardId: answer.value.cardId } }
      : answer;
  }

  async #post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<HeadOfficeAnswer<T>> {
    let response: Response;
    let json: unknown;
    try {
      response = await (this.o.fetch ?? fetch)(new URL(path, this.o.url), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.o.tillId}:${this.o.secret}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      json = await response.json();
    } catch (error) {
      return { kind: 'unreachable', message: `head office did not answer: ${(error as Error).message}` };
    }
    if (response.status === 200) {
      const parsed = schema.safeParse(json);
      return parsed.success
        ? { kind: 'answered', value: parsed.data }
        : { kind: 'unreachable', message: 'head office sent an answer this till cannot read' };
    }
    const error = syncErrorSchema.safeParse(json);
    // An older head office without these routes (404 not_found), a failure (5xx), or an unreadable answer.
    if (!error.success || response.status >= 500 || response.status === 401)
      return { kind: 'unreachable', message: `head office answered ${response.status}` };
    return {
      kind: 'refused',
      code: error.data.code,
      message: error.data.message,
      ...(error.data.attemptsLeft === undefined ? {} : { attemptsLeft: error.data.attemptsLeft }),
    };
  }
}
