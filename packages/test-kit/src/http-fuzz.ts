import { Agent, type ClientRequest, type RequestOptions, request } from 'node:http';
import fc from 'fast-check';
import { residentBytes } from './hub-process';

/**
 * Tools for fuzzing the HTTP routes of a running server (the agent's local API, the hub's
 * sync routes): the route list from fastify's own `printRoutes()`, bodies made by mutating
 * valid ones (fast-check), and a sender that keeps a few requests in flight and records
 * every answer.
 */

export interface Route {
  method: string;
  /** As registered: `/v1/cards/:cardCode`. */
  url: string;
}

/**
 * The routes in fastify's `printRoutes({ commonPrefix: false })` tree, HEAD left out (fastify
 * adds it to every GET). Each line is a path segment indented four characters per level, with
 * its methods in brackets; a route's URL is its ancestors' segments joined.
 */
export function routesFromTree(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│├└─\s]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const url = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of (match[3] ?? '').split(', '))
      if (method !== '' && method !== 'HEAD') routes.push({ method, url });
  }
  return routes;
}

/** JSON values a careless or hostile client sends where a field is expected. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    '',
    0,
    -1,
    0.5,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 53 - 1,
    -(2 ** 53),
    1e21,
    Number.MIN_VALUE,
    'NaN',
    '\u0000',
    'R-2\n',
    '../../etc/passwd',
    '%2e%2e%2f',
    'ñ日本語🙂',
    '\u202e',
    [],
    {},
    { __proto__: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 200, maxLength: 5000 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
  fc.anything({ maxDepth: 3 }),
  // deep nesting
  fc.nat({ max: 200 }).map((depth) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }),
);

/** A value as it would stand in a URL: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(typeof value));
}

/** Replaces, deletes or adds one value at a path inside `value` (a copy); `steps` pick the path. */
function mutateAt(
  value: unknown,
  steps: readonly number[],
  op: 'replace' | 'delete' | 'add',
  odd: unknown,
): unknown {
  if (steps.length === 0 || value === null || typeof value !== 'object')
    return op === 'delete' ? undefined : odd;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (op === 'add' && steps.length === 1) {
    if (Array.isArray(copy)) copy.push(odd);
    else copy[`extra${steps[0]}`] = odd;
    return copy;
  }
  if (keys.length === 0) return op === 'delete' ? copy : odd;
  const key = keys[(steps[0] ?? 0) % keys.length] as string;
  const inner = mutateAt((copy as Record<string, unknown>)[key], steps.slice(1), op, odd);
  if (inner === undefined && !Array.isArray(copy)) delete copy[key];
  else (copy as Record<string, unknown>)[key] = inner;
  return copy;
}

/** A request body as sent: its text and content type. */
export interface FuzzBody {
  text: string;
  contentType: string;
}

/**
 * Bodies for a route: about one in eight valid as made, the rest structured mutations of valid
 * ones (one to three values replaced, removed or added at random depths, with odd values), plus
 * some broken at the text level (truncated JSON, random bytes, another content type, a body
 * over `bytesMax`).
 */
export function bodies(valid: fc.Arbitrary<unknown>, bytesMax: number): fc.Arbitrary<FuzzBody> {
  const json = (value: unknown): FuzzBody => ({
    text: JSON.stringify(value) ?? 'null',
    contentType: 'application/json',
  });
  const mutation = fc.record({
    steps: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 5 }),
    op: fc.constantFrom('replace', 'replace', 'delete', 'add') as fc.Arbitrary<'replace' | 'delete' | 'add'>,
    odd: oddValue,
  });
  const mutated = fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([value, changes]) => json(changes.reduce((v, m) => mutateAt(v, m.steps, m.op, m.odd), value)));
  const broken = fc.oneof(
    fc.tuple(valid, fc.nat()).map(([value, cut]) => {
      const text = JSON.stringify(value) ?? '';
      return { text: text.slice(0, cut % (text.length + 1)), contentType: 'application/json' };
    }),
    fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ text, contentType: 'application/json' })),
    valid.map((value) => ({ text: JSON.stringify(value) ?? '', contentType: 'text/plain' })),
    fc.constant({
      text: `{"a":"${'x'.repeat(Math.max(bytesMax, oversizedBytes))}"}`,
      contentType: 'application/json',
    }),
    fc.anything({ maxDepth: 3 }).map(json),
  );
  return fc.oneof(
    { arbitrary: valid.map(json), weight: 2 },
    { arbitrary: mutated, weight: 12 },
    { arbitrary: broken, weight: 2 },
  );
}

/** Bodies larger than this are sent head first (see sendOne). */
const oversizedBytes = 256 * 1024;

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: FuzzBody;
}

export interface FuzzAnswer {
  status: number;
  /** The answer's JSON, when it was JSON. */
  json: unknown;
}

/**
 * Sends every request, `concurrency` at a time on kept-open connections, and calls `onAnswer`
 * with each answer, or with `undefined` when the connection failed instead. `stream`: read
 * only the status line and head, then close (an event stream never ends).
 */
export async function sendAll(
  port: number,
  requests: Iterable<FuzzRequest>,
  onAnswer: (req: FuzzRequest, answer: FuzzAnswer | undefined) => void,
  options: { concurrency?: number; stream?: boolean } = {},
): Promise<void> {
  const agent = new Agent({ keepAlive: !options.stream, maxSockets: options.concurrency ?? 8 });
  const iterator = requests[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); next.done !== true; next = iterator.next()) {
      const req = next.value;
      onAnswer(req, await sendOne(port, agent, req, options.stream === true));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  agent.destroy();
}

function makeRequest(options: RequestOptions): ClientRequest | undefined {
  try {
    return request(options);
  } catch {
    return undefined;
  }
}

function sendOne(
  port: number,
  agent: Agent,
  req: FuzzRequest,
  stream: boolean,
): Promise<FuzzAnswer | undefined> {
  return new Promise((resolve) => {
    const data = req.body === undefined ? undefined : Buffer.from(req.body.text, 'utf8');
    const r = makeRequest({
      host: '127.0.0.1',
      port,
      method: req.method,
      path: req.path,
      agent,
      headers: {
        ...req.headers,
        ...(data === undefined
          ? {}
          : { 'content-type': req.body?.contentType ?? '', 'content-length': data.length }),
      },
      timeout: 30_000,
    });
    if (r === undefined) return resolve(undefined); // the client refused to send it (a bad header)
    r.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.on('end', () => {
        if (!r.writableEnded) r.destroy();
      });
      if (stream && status === 200) {
        res.destroy();
        r.destroy();
        resolve({ status, json: undefined });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status, json });
      });
      res.on('error', () => resolve(undefined));
    });
    r.on('timeout', () => r.destroy());
    r.on('error', () => resolve(undefined));
    // An oversized body, the way a careful client sends it: the server refuses it from its
    // Content-Length and closes, so writing all of it first would only meet a reset.
    if (data !== undefined && data.length > oversizedBytes) r.write(data.subarray(0, 64 * 1024));
    else r.end(data);
  });
}

/**
 * What a fuzz run saw of one route: answers by status, the server errors (5xx) and the
 * refusals without a stable `code` (with an example of each), connections that got no answer.
 */
export class FuzzTally {
  readonly statuses = new Map<number, number>();
  readonly serverErrors: string[] = [];
  readonly uncoded: string[] = [];
  uncodedCount = 0;
  noAnswer = 0;

  record(req: FuzzRequest, answer: FuzzAnswer | undefined): void {
    if (answer === undefined) {
      this.noAnswer += 1;
      return;
    }
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    const example = `${req.method} ${req.path} ${req.body?.text.slice(0, 160) ?? ''} → ${answer.status} ${JSON.stringify(answer.json)?.slice(0, 160)}`;
    if (answer.status >= 500 && this.serverErrors.length < 5) this.serverErrors.push(example);
    const code = (answer.json as { code?: unknown } | undefined)?.code;
    if (answer.status >= 400 && answer.status < 500 && typeof code !== 'string') {
      this.uncodedCount += 1;
      if (this.uncoded.length < 5) this.uncoded.push(example);
    }
  }

  get serverErrorCount(): number {
    return [...this.statuses].filter(([status]) => status >= 500).reduce((a, [, n]) => a + n, 0);
  }

  /**
   * What went wrong for the route `name`, as sentences: answers 5xx, refusals without a code,
   * requests without an answer, fewer answers than `expected`.
   */
  failures(name: string, expected: number): string[] {
    const found: string[] = [];
    const examples = (list: string[]) => `, e.g.\n    ${list.join('\n    ')}`;
    if (this.serverErrorCount > 0)
      found.push(`${name}: ${this.serverErrorCount} answers 5xx${examples(this.serverErrors)}`);
    if (this.uncodedCount > 0)
      found.push(`${name}: ${this.uncodedCount} refusals without a code${examples(this.uncoded)}`);
    if (this.noAnswer > 0) found.push(`${name}: ${this.noAnswer} requests got no answer`);
    if (this.total !== expected) found.push(`${name}: ${this.total} of ${expected} answered or failed`);
    return found;
  }

  get total(): number {
    return [...this.statuses.values()].reduce((a, b) => a + b, this.noAnswer);
  }

  summary(): string {
    return [...this.statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ');
  }
}

/** What a fuzz run over a server's routes found, and the server's resident memory meanwhile. */
export interface FuzzRun {
  /** One line per route: counts by status. */
  lines: string[];
  failures: string[];
  rssStart: number;
  rssMax: number;
  rssEnd: number;
}

/**
 * Fuzzes each route in turn against the process `pid` listening on `port`: sends its requests,
 * samples the process's resident memory, checks it still answers (`alive`), and collects the
 * tally's failures plus whatever `check` finds in each answer.
 */
export async function fuzzRoutes(o: {
  port: number;
  pid: number | undefined;
  routes: readonly Route[];
  requestsFor: (route: Route, index: number) => FuzzRequest[];
  sendOptions?: (route: Route) => { concurrency?: number; stream?: boolean };
  alive: () => Promise<string | undefined>;
  /** Per answer, a problem to count for the route (reported once with the count), or undefined. */
  check?: (route: Route, req: FuzzRequest, answer: FuzzAnswer | undefined) => string | undefined;
}): Promise<FuzzRun> {
  const rssStart = residentBytes(o.pid);
  const run: FuzzRun = { lines: [], failures: [], rssStart, rssMax: rssStart, rssEnd: rssStart };
  for (const [index, route] of o.routes.entries()) {
    const started = Date.now();
    const tally = new FuzzTally();
    const requests = o.requestsFor(route, index);
    const found = new Map<string, number>();
    await sendAll(
      o.port,
      requests,
      (req, answer) => {
        tally.record(req, answer);
        const problem = o.check?.(route, req, answer);
        if (problem !== undefined) found.set(problem, (found.get(problem) ?? 0) + 1);
      },
      o.sendOptions?.(route),
    );
    run.rssMax = Math.max(run.rssMax, residentBytes(o.pid));
    const name = `${route.method} ${route.url}`;
    run.lines.push(`  ${name}: ${tally.total} in ${Date.now() - started} ms: ${tally.summary()}`);
    const down = await o.alive();
    if (down !== undefined) run.failures.push(`${name}: ${down}`);
    run.failures.push(...tally.failures(name, requests.length));
    for (const [problem, times] of found) run.failures.push(`${name}: ${times} × ${problem}`);
  }
  run.rssEnd = residentBytes(o.pid);
  return run;
}
