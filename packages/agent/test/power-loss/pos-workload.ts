import { request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { OutboxEntry } from '@tillpoint/ledger';
import { between, pick } from './fault-seed';

export interface Answer {
  status: number;
  body: unknown;
}

/**
 * One HTTP request on a connection of its own (no kept-open socket from before a restart):
 * its answer, or undefined when none came because the agent died.
 */
export function callAgent(
  url: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${url}${path}`, {
      method,
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        ...(data === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }),
      },
      timeout: 20_000,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(data);
  });
}

/** One HTTP call to the agent: its answer, or undefined when none came (the agent died). */
export type CallAgent = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<Answer | undefined>;

/** Cuts (or kills) the agent while `inFlight` is on its way; resolves once it is back. */
export type CutAt = (inFlight: Promise<Answer | undefined>) => Promise<void>;

type Kind = 'sale' | 'reserve' | 'cancel' | 'return';
export interface Write {
  kind: Kind;
  path: string;
  body: { idempotencyKey: string } & Record<string, unknown>;
  cardCode: string;
  /** The first answer the POS got (after retries, when the first tries got none). */
  answer?: Answer;
  /** Tries that got no answer. */
  unanswered: number;
}

export const transactionShapes = ['earn', 'spend', 'hold-commit', 'hold-cancel', 'return'] as const;
export type Shape = (typeof transactionShapes)[number];

const basketOf = (amountMinor: number) => ({
  currency: 'RUB',
  lines: [{ id: '1', sku: 'item', quantity: 1, unitPriceMinor: amountMinor, amountMinor }],
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const bodyOf = (answer: Answer | undefined) => (answer?.body ?? {}) as Record<string, unknown>;

/** Where two answers first differ, as `path: first → now` (for the report). */
export function difference(first: unknown, now: unknown, path = ''): string {
  if (isDeepStrictEqual(first, now)) return '';
  if (typeof first !== 'object' || typeof now !== 'object' || first === null || now === null)
    return `${path || '.'}: ${JSON.stringify(first)?.slice(0, 120)} → ${JSON.stringify(now)?.slice(0, 120)}`;
  for (const key of new Set([...Object.keys(first), ...Object.keys(now)])) {
    const found = difference(
      (first as Record<string, unknown>)[key],
      (now as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found !== '') return found;
  }
  return '';
}

/**
 * A POS at a till, for the fault tests: sales that earn or spend, reservations committed or
 * cancelled, returns against earlier sales, each write with its idempotency key. A fault may hit
 * any write of a transaction (`cut`); a write left unanswered is sent again, key and body
 * unchanged, until answered; an answered one is sent once more and must get the same answer.
 * What the POS was told is then the oracle for the ledger (`checkLedger`) and the cards
 * (`expectedPoints`). Problems are collected, not thrown, so one run reports them all.
 */
export class PosWorkload {
  readonly writes: Write[] = [];
  readonly problems: string[] = [];
  readonly tally = new Map<string, number>();
  private readonly seen = new Set<string>();
  private n = 0;

  constructor(
    private readonly o: {
      call: CallAgent;
      random: () => number;
      cards: readonly string[];
      /** Prefix of receipt ids and keys (unique per run). */
      prefix: string;
      /** Sometimes send a write twice at once (the POS's timeout fired and it retried). */
      inFlightRetries?: boolean;
    },
  ) {}

  count(what: string, by = 1): void {
    this.tally.set(what, (this.tally.get(what) ?? 0) + by);
  }

  /** Records a problem once: `what` names it, `when` says where it was first seen. */
  problem(what: string, when = ''): void {
    this.count('problems seen (with repeats)');
    if (this.seen.has(what)) return;
    this.seen.add(what);
    this.problems.push(when === '' ? what : `${when}: ${what}`);
  }

  /** The transaction number in hand (for messages). */
  get transactions(): number {
    return this.n;
  }

  /** One POS transaction of one or two writes; `cut`, if given, hits one of them. */
  async transaction(cut?: CutAt, shapes: readonly Shape[] = transactionShapes): Promise<void> {
    const random = this.o.random;
    this.n += 1;
    const id = `${this.o.prefix}-${String(this.n).padStart(6, '0')}`;
    const cardCode = pick(random, this.o.cards);
    const amount = between(random, 1_000, 60_000);
    const shape = pick(random, shapes);
    const cutStep = between(random, 0, shape.startsWith('hold') ? 1 : 0);
    const at = (step: number) => (step === cutStep ? cut : undefined);
    const sale = (extra: Record<string, unknown>, step: number) =>
      this.perform(
        {
          kind: 'sale',
          path: '/v1/sales',
          body: { idempotencyKey: `sale-${id}`, receiptId: id, cardCode, basket: basketOf(amount), ...extra },
          cardCode,
          unanswered: 0,
        },
        at(step),
      );
    if (shape === 'earn') await sale({}, 0);
    if (shape === 'spend') await sale({ spendPoints: between(random, 1, 30) }, 0);
    if (shape === 'hold-commit' || shape === 'hold-cancel') {
      const spendPoints = between(random, 1, 20);
      const reserved = await this.perform(
        {
          kind: 'reserve',
          path: '/v1/reservations',
          body: {
            idempotencyKey: `hold-${id}`,
            cardCode,
            basket: basketOf(amount),
            spendPoints,
            ttlSeconds: 3600,
          },
          cardCode,
          unanswered: 0,
        },
        at(0),
      );
      const holdId = bodyOf(reserved).holdId;
      if (reserved.status !== 200 || typeof holdId !== 'string') return;
      const cancel = { idempotencyKey: `cancel-${id}`, holdId };
      const after =
        shape === 'hold-commit'
          ? await sale({ holdId }, 1)
          : await this.perform(
              { kind: 'cancel', path: '/v1/reservations/cancel', body: cancel, cardCode, unanswered: 0 },
              at(1),
            );
      if (after.status === 404 && bodyOf(after).code === 'hold_unknown')
        this.problem(`${id}: reservation ${holdId} was answered, its ${shape.slice(5)} got hold_unknown`);
    }
    if (shape === 'return') {
      const sold = this.writes.filter((w) => w.kind === 'sale' && w.answer?.status === 200);
      if (sold.length === 0) return;
      const original = pick(random, sold);
      const originalAmount = (original.body.basket as ReturnType<typeof basketOf>).lines[0]?.amountMinor ?? 1;
      const returned = between(random, 1, Math.max(1, Math.floor(originalAmount / 3)));
      await this.perform(
        {
          kind: 'return',
          path: '/v1/returns',
          body: {
            idempotencyKey: `return-${id}`,
            originalReceiptId: original.body.receiptId,
            returnedAmountMinor: returned,
          },
          cardCode: original.cardCode,
          unanswered: 0,
        },
        cut,
      );
    }
  }

  /** Sends a write (sometimes twice at once), cutting as planned; retries until answered; sends it once more. */
  private async perform(write: Write, cut: CutAt | undefined): Promise<Answer> {
    const { call, random } = this.o;
    this.writes.push(write);
    const send = () => call('POST', write.path, write.body);
    const first = send();
    const twin =
      this.o.inFlightRetries && random() < 0.3 ? sleep(between(random, 0, 15)).then(send) : undefined;
    const cutting = cut?.(first);
    const answers = [await first, await twin];
    await cutting;
    let answer = answers.find((a) => a !== undefined);
    write.unanswered += answers.filter((a, i) => a === undefined && (i === 0 || twin !== undefined)).length;
    for (let attempt = 0; answer === undefined; attempt++) {
      if (attempt === 5) throw new Error(`${write.body.idempotencyKey}: no answer after 5 retries`);
      answer = await send();
      if (answer === undefined) write.unanswered += 1;
    }
    write.answer = answer;
    this.count(
      `answers: ${write.kind} ${answer.status}${answer.status === 200 ? '' : ` ${String(bodyOf(answer).code)}`}`,
    );
    if (write.unanswered > 0) this.count(`answered after a try got none: ${write.kind} ${answer.status}`);
    if (twin !== undefined) this.count('writes sent twice at once');
    for (const other of answers)
      if (other !== undefined && !isDeepStrictEqual(other, answer))
        this.problem(
          `${write.body.idempotencyKey}: two tries answered differently: ${difference(answer, other)}`,
        );
    if (answer.status === 200) {
      const again = await send();
      if (!isDeepStrictEqual(again, answer))
        this.problem(`${write.body.idempotencyKey} sent again: ${difference(answer, again)}`);
    }
    return answer;
  }

  /**
   * Eight sales without faults, timed: a fault planned at a random delay within the returned
   * window (twice the slowest, between 10 ms and `capMs`) falls before, during or after a
   * request's commit.
   */
  async cutWindowMs(capMs: number): Promise<number> {
    let slowest = 0;
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      await this.transaction(undefined, ['earn']);
      slowest = Math.max(slowest, performance.now() - started);
    }
    return Math.min(capMs, Math.max(10, Math.ceil(2 * slowest)));
  }

  /** Earlier acknowledged writes, sent again: the very same answer, whatever happened since. */
  async replaySome(times: number): Promise<void> {
    const answered = this.writes.filter((w) => w.answer?.status === 200);
    for (let i = 0; i < times && answered.length > 0; i++) {
      const w = pick(this.o.random, answered);
      const again = await this.o.call('POST', w.path, w.body);
      this.count('replays');
      if (!isDeepStrictEqual(again, w.answer))
        this.problem(
          `${w.body.idempotencyKey} replayed: ${difference(w.answer, again)}`,
          `after transaction ${this.n}`,
        );
    }
  }

  /**
   * The ledger's outbox against what the POS was told: every acknowledged sale and return
   * exactly once (a sale with the seq it was answered with), nothing the POS was refused,
   * nothing no POS sent. Writes still in flight are not judged yet.
   */
  checkLedger(entries: readonly OutboxEntry[], when: string): void {
    const byKey = new Map<string, OutboxEntry[]>();
    for (const entry of entries)
      byKey.set(entry.idempotencyKey, [...(byKey.get(entry.idempotencyKey) ?? []), entry]);
    const sent = new Set(this.writes.map((w) => w.body.idempotencyKey));
    for (const key of byKey.keys()) if (!sent.has(key)) this.problem(`ledger entry ${key} no POS sent`, when);
    for (const w of this.writes) {
      if (w.answer === undefined || (w.kind !== 'sale' && w.kind !== 'return')) continue;
      const key = w.body.idempotencyKey;
      const booked = byKey.get(key) ?? [];
      if (w.answer.status === 200 && booked.length !== 1)
        this.problem(`acknowledged ${w.kind} ${key} is in the ledger ${booked.length} times`, when);
      if (w.answer.status !== 200 && booked.length > 0)
        this.problem(
          `${w.kind} ${key} was refused (${w.answer.status} ${String(bodyOf(w.answer).code)}) but the ledger holds it`,
          when,
        );
      const seq = (bodyOf(w.answer).ledger as { seq?: number } | undefined)?.seq;
      if (w.kind === 'sale' && w.answer.status === 200 && booked.length === 1 && booked[0]?.seq !== seq)
        this.problem(`sale ${key} was answered with seq ${seq}, the ledger has ${booked[0]?.seq}`, when);
    }
  }

  /**
   * Each card's points (spendable plus held) as the POS's answers add up: earned minus spent
   * in acknowledged sales, minus the earned points returns reversed, plus the spent ones they
   * gave back. Vesting is immediate in the test program.
   */
  expectedPoints(): Map<string, number> {
    const points = new Map<string, number>();
    const add = (card: string, by: number) => points.set(card, (points.get(card) ?? 0) + by);
    for (const w of this.writes) {
      if (w.answer?.status !== 200) continue;
      const a = bodyOf(w.answer);
      if (w.kind === 'sale') add(w.cardCode, Number(a.earnedPoints) - Number(a.spentPoints));
      if (w.kind === 'return')
        add(w.cardCode, Number(a.spentRestoredPoints) - Number(a.earnedReversedPoints));
    }
    return points;
  }

  /** The cards as the agent reports them against `expectedPoints`. */
  async checkCards(when: string): Promise<void> {
    for (const [card, expected] of this.expectedPoints()) {
      const info = await this.o.call('GET', `/v1/cards/${card}`);
      const got =
        info?.status === 200 ? Number(bodyOf(info).spendablePoints) + Number(bodyOf(info).heldPoints) : -1;
      if (got !== expected)
        this.problem(`card ${card} has ${got} points, the answers add up to ${expected}`, when);
    }
  }

  /** Counts and problems (by kind, then the first 60), as lines for the test's report. */
  report(): string {
    const lines = [...this.tally].map(([what, times]) => `  ${what}: ${times}`);
    const kinds = new Map<string, number>();
    for (const p of this.problems) {
      // The same problem for another receipt, hold or seq is the same kind.
      const kind = p
        .replace(/^[^:]*(transaction|cut|end)[^:]*: /, '')
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/g, '#');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const byKind = [...kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `  ${n} × ${kind}`);
    const problems = this.problems.slice(0, 60).map((p) => `  ${p}`);
    return `${lines.join('\n')}\n${this.problems.length} problems${problems.length > 0 ? `, by kind:\n${byKind.join('\n')}\nthe first:\n${problems.join('\n')}` : ''}`;
  }
}
