import { TillpointError } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import {
  idempotencyKeyFor,
  type SyncCardsSeenResponse,
  type SyncChangesResponse,
  type SyncProfile,
  type SyncProfilesResponse,
  type SyncPushResponse,
  type SyncSaleLookupQuery,
  type SyncSaleLookupResponse,
  syncCardsSeenResponseSchema,
  syncChangesResponseSchema,
  syncErrorSchema,
  syncProfilesResponseSchema,
  syncPushResponseSchema,
  syncRulesInForceHeader,
  syncSaleLookupResponseSchema,
} from '@tillpoint/protocol';
import packageJson from '../../package.json' with { type: 'json' };

/** What one push came to, as the sync loop needs it. */
export type PushResult =
  | { kind: 'acked'; response: SyncPushResponse }
  | { kind: 'replayed'; ackedThrough: number }
  | { kind: 'gap'; expectedSeq: number }
  | { kind: 'refused'; status: number; code: string; message: string };

/** The hub as the sync loop sees it; `HttpSyncTransport` is the real one, tests may pass their own. */
export interface SyncTransport {
  push(tillId: string, entries: OutboxEntry[]): Promise<PushResult>;
  /** `rulesInForce`: the rule-set version in force at the till (null: none from head office yet). */
  changes(cursor: number, limit: number, rulesInForce?: string | null): Promise<SyncChangesResponse>;
  /** Cards scanned here that head office never sent: they become known at the store. */
  cardsSeen?(cardIds: string[]): Promise<SyncCardsSeenResponse>;
  /** Personal data taken at enrolment, out of band (never in the journal); answers the refs head office holds. */
  profiles?(profiles: SyncProfile[]): Promise<SyncProfilesResponse>;
  /** A sale made at any till of the chain (for a return here); `unknown` / `ambiguous` when not one. */
  lookupSale?(receiptId: string, query: SyncSaleLookupQuery): Promise<SaleLookup>;
}

export type SaleLookup =
  | { kind: 'found'; sale: SyncSaleLookupResponse }
  | { kind: 'unknown' }
  | { kind: 'ambiguous'; message: string };

export type SyncTransportErrorCode = 'unreachable' | 'timeout' | 'bad_response' | 'refused';

/** The network or the hub failed: the loop backs off and tries again. */
export class SyncTransportError extends TillpointError<SyncTransportErrorCode> {}

export interface HttpSyncTransportOptions {
  url: string;
  tillId: string;
  secret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Tells head office which agent version sends (its tills report shows it). */
const userAgent = `tillpoint-agent/${process.env.TILLPOINT_BUILD_VERSION ?? packageJson.version}`;

export class HttpSyncTransport implements SyncTransport {
  readonly #fetch: typeof fetch;
  readonly #auth: string;

  constructor(readonly options: HttpSyncTransportOptions) {
    this.#fetch = options.fetch ?? fetch;
    this.#auth = `Bearer ${options.tillId}:${options.secret}`;
  }

  async #request(path: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await this.#fetch(new URL(path, this.options.url), {
        ...init,
        headers: {
          authorization: this.#auth,
          'content-type': 'application/json',
          'user-agent': userAgent,
          ...(init.headers ?? {}),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (cause) {
      const timeout = (cause as Error).name === 'TimeoutError';
      throw new SyncTransportError(
        timeout ? 'timeout' : 'unreachable',
        `head office ${this.options.url}: ${(cause as Error).message}`,
        { cause },
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new SyncTransportError('bad_response', `head office answered ${response.status} without JSON`, {
        cause,
      });
    }
    return { status: response.status, body };
  }

  async push(tillId: string, entries: OutboxEntry[]): Promise<PushResult> {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (!first || !last) throw new SyncTransportError('refused', 'an empty push');
    const { status, body } = await this.#request('/v1/sync/push', {
      method: 'POST',
      headers: { 'idempotency-key': idempotencyKeyFor(tillId, first.epoch, first.seq, last.seq) },
      body: JSON.stringify({ tillId, epoch: first.epoch, fromSeq: first.seq, toSeq: last.seq, entries }),
    });
    if (status === 200) {
      const parsed = syncPushResponseSchema.safeParse(body);
      if (!parsed.success)
        throw new SyncTransportError('bad_response', 'head office sent a push answer we cannot read');
      return { kind: 'acked', response: parsed.data };
    }
    const error = syncErrorSchema.safeParse(body);
    if (!error.success) throw new SyncTransportError('bad_response', `head office answered ${status}`);
    if (error.data.code === 'batch_replayed' && error.data.ackedThrough !== undefined)
      return { kind: 'replayed', ackedThrough: error.data.ackedThrough };
    if (error.data.code === 'sequence_gap' && error.data.expectedSeq !== undefined)
      return { kind: 'gap', expectedSeq: error.data.expectedSeq };
    if (status >= 500 || status === 429)
      throw new SyncTransportError('unreachable', `head office: ${error.data.code}: ${error.data.message}`);
    return { kind: 'refused', status, code: error.data.code, message: error.data.message };
  }

  async changes(cursor: number, limit: number, rulesInForce?: string | null): Promise<SyncChangesResponse> {
    // version=3: each card comes with its state (status, counters, grants, profile) as well as
    // its points, and rule sets for store groups come too (signed with their target);
    // version=4: and the stock of limited catalogue rewards.
    const { status, body } = await this.#request(
      `/v1/sync/changes?cursor=${cursor}&limit=${limit}&version=4`,
      {
        method: 'GET',
        ...(rulesInForce === undefined
          ? {}
          : { headers: { [syncRulesInForceHeader]: encodeURIComponent(rulesInForce ?? 'none') } }),
      },
    );
    if (status !== 200) throw answeredError(status, body);
    const parsed = syncChangesResponseSchema.safeParse(body);
    if (!parsed.success)
      throw new SyncTransportError('bad_response', 'head office sent changes we cannot read');
    return parsed.data;
  }

  async cardsSeen(cardIds: string[]): Promise<SyncCardsSeenResponse> {
    const { status, body } = await this.#request('/v1/sync/cards-seen', {
      method: 'POST',
      body: JSON.stringify({ cardIds }),
    });
    if (status !== 200) throw answeredError(status, body);
    const parsed = syncCardsSeenResponseSchema.safeParse(body);
    if (!parsed.success)
      throw new SyncTransportError('bad_response', 'head office sent a cards-seen answer we cannot read');
    return parsed.data;
  }

  async profiles(profiles: SyncProfile[]): Promise<SyncProfilesResponse> {
    const { status, body } = await this.#request('/v1/sync/profiles', {
      method: 'POST',
      body: JSON.stringify({ profiles }),
    });
    if (status !== 200) throw answeredError(status, body);
    const parsed = syncProfilesResponseSchema.safeParse(body);
    if (!parsed.success)
      throw new SyncTransportError('bad_response', 'head office sent a profiles answer we cannot read');
    return parsed.data;
  }

  async lookupSale(receiptId: string, query: SyncSaleLookupQuery): Promise<SaleLookup> {
    const params = new URLSearchParams(
      Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const { status, body } = await this.#request(
      `/v1/sync/sales/${encodeURIComponent(receiptId)}?${params.toString()}`,
      { method: 'GET' },
    );
    if (status === 200) {
      const parsed = syncSaleLookupResponseSchema.safeParse(body);
      if (!parsed.success)
        throw new SyncTransportError('bad_response', 'head office sent a sale we cannot read');
      return { kind: 'found', sale: parsed.data };
    }
    const error = syncErrorSchema.safeParse(body);
    if (error.success && error.data.code === 'sale_unknown') return { kind: 'unknown' };
    if (error.success && error.data.code === 'sale_ambiguous')
      return { kind: 'ambiguous', message: error.data.message };
    throw answeredError(status, body);
  }
}

/** A non-200 answer: the loop retries later (5xx, 429) or reports a refusal. */
function answeredError(status: number, body: unknown): SyncTransportError {
  const error = syncErrorSchema.safeParse(body);
  return new SyncTransportError(
    status >= 500 || status === 429 ? 'unreachable' : 'refused',
    `head office answered ${status}${error.success ? `: ${error.data.code}: ${error.data.message}` : ''}`,
    { context: { status } },
  );
}
