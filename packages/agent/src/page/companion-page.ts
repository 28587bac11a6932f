import { readFileSync } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import { assert } from '@tillpoint/core';
import { exchangeRateOf, type ProgramVersion } from '@tillpoint/rules';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentConfig } from '../config/agent-config';
import { texts } from './assets/texts.js';
import {
  pageCookieMaxAgeSeconds,
  pageCookieName,
  pageRequestProblem,
  pageSessionValue,
  sameSecret,
} from './page-auth';

export interface CompanionPageDeps {
  config: Pick<AgentConfig, 'language' | 'storeName' | 'tillId' | 'page' | 'api'>;
  /** The shop's currency and what points pay, from the program: `pointValuePoints` points pay `pointValueMinor`. */
  currency: string;
  pointValueMinor: number;
  pointValuePoints: number;
  /** The shop's time zone (the program's `timeZone`): dates and times on the page are read there. */
  timeZone: string;
  /** Product categories the program's rules name, offered for each basket line. */
  categories: readonly string[];
}

/** The page's static files: a fixed list, read once at start-up, never a path from the request. */
const assetTypes = {
  'app.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
  'texts.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'status.js': 'text/javascript; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'state.js': 'text/javascript; charset=utf-8',
  'basket.js': 'text/javascript; charset=utf-8',
  'returns.js': 'text/javascript; charset=utf-8',
  'shift.js': 'text/javascript; charset=utf-8',
  'done.js': 'text/javascript; charset=utf-8',
  'rewards.js': 'text/javascript; charset=utf-8',
  'identify.js': 'text/javascript; charset=utf-8',
  'status-view.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
} as const;
type AssetName = keyof typeof assetTypes;

const tokenCharsMax = 512;

/** Sign-in attempts per window, right or wrong: guessing the 24+ character token stays hopeless. */
export const signInAttemptsMax = 10;
const signInWindowMs = 60_000;

/** Security headers on every page response: same-origin scripts only, no framing, no referrer. */
const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const defaultLocale = { en: 'en-GB', ru: 'ru-RU' } as const;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function readAsset(name: string): string {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
}

/** index.html with the till's settings in data attributes (escaped): the token is never in it. */
export function renderIndexHtml(deps: CompanionPageDeps, template = readAsset('index.html')): string {
  const { config } = deps;
  const values: Record<string, string> = {
    lang: config.language,
    locale: config.page.locale ?? defaultLocale[config.language],
    currency: deps.currency,
    pointValueMinor: String(deps.pointValueMinor),
    pointValuePoints: String(deps.pointValuePoints),
    timeZone: deps.timeZone,
    store: config.storeName ?? '',
    till: config.tillId,
    categories: deps.categories.join(','),
  };
  const table: Record<string, string> = texts[config.language];
  assert(template.includes('<html lang="en"'), 'index.html starts with <html lang="en"');
  return template
    .replace('<html lang="en"', `<html lang="${config.language}"`)
    .replace(/\{\{(t\.)?(\w+)\}\}/g, (_, text: string | undefined, key: string) => {
      const value = text === undefined ? values[key] : table[key];
      assert(
        value !== undefined,
        `index.html names an unknown ${text === undefined ? 'setting' : 'text'} {{${key}}}`,
      );
      return escapeHtml(value);
    });
}

/**
 * The cashier companion page on the agent's own loopback server: `GET /` and its assets,
 * `POST /page/login` (the API token in, an HttpOnly SameSite=Strict cookie out) and
 * `POST /page/logout`. The page then calls the `/v1` API with that cookie.
 */
export function registerCompanionPage(app: FastifyInstance, deps: CompanionPageDeps): void {
  if (!deps.config.page.enabled) return;
  const html = renderIndexHtml(deps);
  const assets = new Map<AssetName, string>(
    (Object.keys(assetTypes) as AssetName[]).map((name) => [name, readAsset(name)]),
  );
  const session = pageSessionValue(deps.config.api.token);
  const cookieBase = `${pageCookieName}=%s; HttpOnly; SameSite=Strict; Path=/`;

  const problemOf = (request: FastifyRequest) =>
    pageRequestProblem({
      method: request.method,
      host: request.headers.host,
      origin: request.headers.origin,
      localPort: request.socket.localPort ?? 0,
    });
  const refuse = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).headers(securityHeaders).send({ code: 'unauthorized', message });

  app.get('/', { config: { access: 'public' } }, async (_request, reply) =>
    reply
      .headers(securityHeaders)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html),
  );
  app.get('/page/:asset', { config: { access: 'public' } }, async (request, reply) => {
    const name = (request.params as { asset: string }).asset as AssetName;
    const body = Object.hasOwn(assetTypes, name) ? assets.get(name) : undefined;
    if (body === undefined)
      return reply.code(404).send({ code: 'not_found', message: `no page file ${request.url}` });
    return reply
      .headers(securityHeaders)
      .header('cache-control', 'no-cache')
      .type(assetTypes[name])
      .send(body);
  });

  // Sign-in guesses are slowed down: a handful a minute is plenty for a cashier who mistyped.
  app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        code: 'rate_limited',
        message: `too many sign-in attempts: try again in ${Math.ceil(context.ttl / 1000)} s`,
      }),
    });
    scope.post(
      '/page/login',
      {
        config: {
          access: 'public',
          rateLimit: { max: signInAttemptsMax, timeWindow: signInWindowMs, keyGenerator: () => 'page' },
        },
      },
      async (request, reply) => {
        const problem = problemOf(request);
        if (problem !== null) return refuse(reply, 403, problem);
        const token = (request.body as { token?: unknown } | null)?.token;
        const given = typeof token === 'string' && token.length <= tokenCharsMax ? token.trim() : undefined;
        if (given === undefined || !sameSecret(deps.config.api.token, given)) {
          return refuse(reply, 401, 'that is not this till’s API token (api.token in the agent config)');
        }
        return reply
          .headers(securityHeaders)
          .header('set-cookie', `${cookieBase.replace('%s', session)}; Max-Age=${pageCookieMaxAgeSeconds}`)
          .send({ signedIn: true });
      },
    );
  });

  app.post('/page/logout', { config: { access: 'public' } }, async (request, reply) => {
    const problem = problemOf(request);
    if (problem !== null) return refuse(reply, 403, problem);
    return reply
      .headers(securityHeaders)
      .header('set-cookie', `${cookieBase.replace('%s', '')}; Max-Age=0`)
      .send({ signedIn: false });
  });
}

const categoriesMax = 40;

/** The page's settings from the agent config and the program (currency, point value, categories). */
export function pageDepsFrom(
  config: CompanionPageDeps['config'],
  version: ProgramVersion,
): CompanionPageDeps {
  const found = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 12 || found.size >= categoriesMax || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key === 'categories' && Array.isArray(item)) {
        for (const c of item) if (typeof c === 'string' && found.size < categoriesMax) found.add(c);
      } else walk(item, depth + 1);
    }
  };
  walk(version.program, 0);
  return {
    config,
    currency: version.program.currency,
    pointValueMinor: exchangeRateOf(version.program).moneyMinor,
    pointValuePoints: exchangeRateOf(version.program).points,
    timeZone: version.program.timeZone,
    categories: [...found].sort(),
  };
}
