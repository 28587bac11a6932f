import { readFileSync } from 'node:fs';
import { parseProgram } from '@tillpoint/rules';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  type CompanionPageDeps,
  pageDepsFrom,
  registerCompanionPage,
  renderIndexHtml,
} from './companion-page';

const token = 'page-unit-token-0123456789abcdef';
const deps = (over: Partial<CompanionPageDeps['config']> = {}): CompanionPageDeps => ({
  config: {
    language: 'en',
    tillId: 'till-01',
    storeName: 'Shop',
    page: { enabled: true },
    api: { port: 8787, token, bodyBytesMax: 262_144, eventClientsMax: 8, cancelWindowSeconds: 300 },
    ...over,
  },
  currency: 'RUB',
  pointValueMinor: 100,
  pointValuePoints: 1,
  timeZone: 'Europe/Moscow',
  categories: ['milk'],
});

describe('companion page server side', () => {
  it('puts the settings and texts into index.html, escaped, and never the token', () => {
    const html = renderIndexHtml(deps({ storeName: '<script>alert("x")</script>' }));
    expect(html).toContain('data-store="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain(token);
    expect(html).not.toMatch(/\{\{/);
    expect(html).toContain('<html lang="en" data-locale="en-GB" data-currency="RUB"');
    expect(html).toContain('data-time-zone="Europe/Moscow"');
    const ru = renderIndexHtml(deps({ language: 'ru', page: { enabled: true, locale: 'ru-KZ' } }));
    expect(ru).toContain('<html lang="ru" data-locale="ru-KZ"');
    expect(ru).toContain('<label for="card-code">Карта лояльности</label>');
  });

  it('offers the categories the program names', () => {
    const parsed = parseProgram(
      JSON.parse(
        readFileSync(new URL('../../../../fixtures/programs/sample-grocery.json', import.meta.url), 'utf8'),
      ),
      'sample-grocery.json',
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const found = pageDepsFrom(deps().config, parsed.value);
    expect(found.categories).toEqual(['alcohol', 'milk', 'tobacco']);
    expect(found).toMatchObject({
      currency: 'RUB',
      pointValueMinor: 100,
      pointValuePoints: 1,
      timeZone: 'Europe/Moscow',
    });
  });

  it('serves the page and its fixed files, and signs in only with the token from our own origin', async () => {
    const app = Fastify();
    registerCompanionPage(app, deps());
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;
    try {
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const script = await fetch(`${base}/page/app.js`);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      for (const missing of ['/page/index.html', '/page/..%2Fpage-auth.ts', '/page/constructor'])
        expect((await fetch(`${base}${missing}`)).status, missing).toBe(404);

      const login = (body: unknown, origin = base) =>
        fetch(`${base}/page/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify(body),
        });
      const ok = await login({ token });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('set-cookie')).toMatch(
        /^tillpoint_page=[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/,
      );
      expect((await login({ token: 'wrong' })).status).toBe(401);
      expect((await login({})).status).toBe(401);
      expect((await login({ token }, 'http://evil.example')).status).toBe(403);
      const out = await fetch(`${base}/page/logout`, { method: 'POST', headers: { origin: base } });
      expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    } finally {
      await app.close();
    }
  });

  it('stays off when the config says so', async () => {
    const app = Fastify();
    registerCompanionPage(app, deps({ page: { enabled: false } }));
    expect((await app.inject({ url: '/' })).statusCode).toBe(404);
  });
});
