import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, type ConsoleBuild } from '../console/build-console';
import { en, ru } from '../console/src/texts';
import { adminErrorCodes } from '../src/admin/admin-errors';
import { roles } from '../src/admin/roles';
import { type AdminHub, openAdminHub } from './admin-test-kit';

const consoleDir = fileURLToPath(new URL('../console/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('console build', () => {
  let built: ConsoleBuild;
  beforeAll(async () => {
    built = await buildConsole();
  });

  it('bundles one script and one stylesheet that the page names; nothing refers to another site', () => {
    const names = [...built.assets.keys()];
    expect(names).toHaveLength(2);
    for (const name of names) expect(built.html).toContain(`/console/${name}`);
    const everything = [built.html, ...[...built.assets.values()].map((a) => a.body.toString('utf8'))];
    for (const text of everything) {
      expect(text).not.toMatch(/https?:\/\//i);
      expect(text).not.toMatch(/(src|href)\s*=\s*["']?\/\//i); // protocol-relative
      expect(text).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
      expect(text).not.toMatch(/@import/);
    }
    expect(built.html).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|<style|\sstyle=|\son\w+=/i); // nothing inline
  });

  it('writes text as text: no innerHTML, outerHTML, insertAdjacentHTML or document.write in the sources', () => {
    for (const file of sources(join(consoleDir, 'src')))
      expect(readFileSync(file, 'utf8'), file).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/,
      );
  });

  it('English and Russian: the same keys, no empty text, every error code and role translated', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const table of [en, ru] as Array<Record<string, string>>) {
      for (const [key, text] of Object.entries(table)) expect(text.trim(), key).not.toBe('');
      for (const code of adminErrorCodes) expect(table[`error.${code}`], code).toBeDefined();
      for (const role of roles) expect(table[`role.${role}`], role).toBeDefined();
    }
    // The Russian table is Russian, not English left in place.
    const same = Object.keys(en).filter(
      (k) => (en as Record<string, string>)[k] === ru[k as keyof typeof ru],
    );
    expect(same).toEqual([]);
  });

  it('the console sources type-check (DOM library, strict)', () => {
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
    expect(() =>
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', join(consoleDir, 'tsconfig.json')], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  }, 60_000);
});

describe('console served by the hub', () => {
  let hub: AdminHub;
  beforeAll(async () => {
    hub = await openAdminHub();
  });
  afterAll(async () => hub?.close());

  it('GET / is the console with a strict CSP: self only, no unsafe-inline, no framing', async () => {
    const page = await hub.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = /src="(\/console\/[^"]+\.js)"/.exec(page.body)?.[1] as string;
    const asset = await hub.app.inject({ method: 'GET', url: script });
    expect([asset.statusCode, asset.headers['content-type']]).toEqual([
      200,
      'text/javascript; charset=utf-8',
    ]);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('serves only the files it built', async () => {
    for (const url of [
      '/console/app.js',
      '/console/..%2Fpackage.json',
      '/console/%2e%2e%2fbuild-console.ts',
      '/console/',
    ]) {
      const answer = await hub.app.inject({ method: 'GET', url });
      expect(answer.statusCode, url).toBe(404);
    }
  });

  it('the sync routes are untouched', async () => {
    expect((await hub.app.inject({ method: 'GET', url: '/v1/health' })).json()).toMatchObject({ ok: true });
  });
});
