import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as npm would get it: `pnpm pack` (which builds dist/ first), the packed
 * package.json read back, the packed dist/index.js imported and used against a server on
 * loopback, and a consumer type-checked against the packed index.d.ts alone.
 */
const packageDir = fileURLToPath(new URL('..', import.meta.url));
// Unpacked inside the package folder: its dependencies (zod, eventsource-parser) resolve from
// node_modules there, as they would from a POS project's own node_modules.
const packed = mkdtempSync(join(packageDir, '.pack-'));
let server: Server | undefined;
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  rmSync(packed, { recursive: true, force: true });
});

type Manifest = {
  private?: boolean;
  exports: Record<string, { types: string; import: string }>;
  dependencies: Record<string, string>;
  license: string;
};
let manifest: Manifest;
let files: string[];

beforeAll(() => {
  execFileSync('npx', ['--yes', 'pnpm@10', 'pack', '--pack-destination', packed], {
    cwd: packageDir,
    stdio: 'ignore',
    timeout: 240_000,
  });
  const tarball = readdirSync(packed).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('pnpm pack wrote no tarball');
  execFileSync('tar', ['xzf', join(packed, tarball), '-C', packed]);
  manifest = JSON.parse(readFileSync(join(packed, 'package/package.json'), 'utf8')) as Manifest;
  files = execFileSync('tar', ['tzf', join(packed, tarball)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .sort();
}, 300_000);

describe('@tillpoint/pos-client as published', () => {
  it('is public, JavaScript with type definitions, with exports naming both and no workspace dependency', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.exports).toEqual({ '.': { types: './dist/index.d.ts', import: './dist/index.js' } });
    expect(files).toEqual(
      expect.arrayContaining([
        'package/README.md',
        'package/dist/index.d.ts',
        'package/dist/index.js',
        'package/package.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['eventsource-parser', 'zod']);
    const js = readFileSync(join(packageDir, 'dist/index.js'), 'utf8');
    expect(js).not.toMatch(/from ['"]@tillpoint\//);
    expect(readFileSync(join(packageDir, 'dist/index.d.ts'), 'utf8')).not.toMatch(/from ['"]@tillpoint\//);
  });

  it('runs from dist: calls, refusals, and the event stream parsed by eventsource-parser', async () => {
    const events = [
      'retry: 1000\n\n',
      ': keep-alive\n\n',
      'id: 1\nevent: scan\ndata: {"id":1,"type":"scan","at":"2026-12-06T13:39:00.000Z","data":{"code":"2000000000016","card":"invalid_check_digit"}}\n\n',
      'data: not json\n\n',
      'id: 2\nevent: card\ndata: {"id":2,"type":"card","at":"2026-12-06T13:39:01.000Z",\ndata: "data":{"cardCode":"2000000000015","known":true}}\n\n',
    ].join('');
    server = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer t0k3n') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"code":"unauthorized","message":"send the token"}');
        return;
      }
      if (req.url === '/v1/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // One byte at a time: the parser must join what the network splits.
        let at = 0;
        const drip = setInterval(() => {
          if (at >= events.length) return clearInterval(drip);
          res.write(events[at]);
          at += 1;
        }, 0);
        return;
      }
      res.writeHead(req.url === '/v1/cards/2000000000039' ? 403 : 200, {
        'content-type': 'application/json',
      });
      res.end(
        req.url === '/v1/cards/2000000000039'
          ? '{"code":"card_blocked","message":"card 2000000000039 is blocked"}'
          : '{"status":"ok"}',
      );
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { PosClient } = (await import(
      join(packed, 'package/dist/index.js')
    )) as typeof import('../src/index');
    const pos = new PosClient({ baseUrl, token: 't0k3n' });
    try {
      expect(await pos.health()).toEqual({ ok: true, value: { status: 'ok' } });
      expect(await pos.card('2000000000039')).toEqual({
        ok: false,
        status: 403,
        error: { code: 'card_blocked', message: 'card 2000000000039 is blocked' },
      });
      const seen: string[] = [];
      const stop = new AbortController();
      const done = pos.events((event) => {
        seen.push(`${event.id} ${event.type} ${JSON.stringify(event.data)}`);
        if (seen.length === 2) stop.abort();
      }, stop.signal);
      await done;
      expect(seen).toEqual([
        '1 scan {"code":"2000000000016","card":"invalid_check_digit"}',
        '2 card {"cardCode":"2000000000015","known":true}',
      ]);
      const wrong = new PosClient({ baseUrl, token: 'wrong' });
      await expect(wrong.events(() => {}, new AbortController().signal)).rejects.toThrow(/401/);
      wrong.close();
    } finally {
      pos.close();
    }
  }, 30_000);

  it('type-checks a POS against the packed index.d.ts alone', () => {
    const consumer = join(packageDir, 'test', '.consumer.ts');
    writeFileSync(
      consumer,
      `import { PosClient, type CardInfo, type PosResult, type SaleAnswer } from '@tillpoint/pos-client';
const pos = new PosClient({ baseUrl: 'http://127.0.0.1:8787', token: 'x' });
const basket = { currency: 'RUB', lines: [{ id: '1', sku: 'milk', quantity: 1, unitPriceMinor: 8900, amountMinor: 8900 }] };
export async function sell(): Promise<number> {
  const card: PosResult<CardInfo> = await pos.card('2000000000015');
  const quote = await pos.quote({ cardCode: '2000000000015', basket });
  const max = quote.ok ? quote.value.redemption.maxPoints : 0;
  const sale: PosResult<SaleAnswer> = await pos.commit({ idempotencyKey: 'R-000173', receiptId: 'R-000173', cardCode: '2000000000015', basket, spendPoints: max });
  if (!sale.ok) return sale.error.code === 'loyalty_unavailable' ? 0 : -1;
  await pos.returnSale({ idempotencyKey: 'R-000173-r1', originalReceiptId: 'R-000173', returnedAmountMinor: 100 });
  return (card.ok ? card.value.spendablePoints : 0) + sale.value.earnedPoints;
}
// @ts-expect-error: a spend is a number of points
pos.quote({ basket, spendPoints: 'all' });
`,
    );
    try {
      const program = ts.createProgram([consumer], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        types: ['node'],
        typeRoots: [join(packageDir, '../../node_modules/@types')],
        paths: { '@tillpoint/pos-client': [join(packed, 'package/dist/index.d.ts')] },
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems).toEqual([]);
    } finally {
      rmSync(consumer, { force: true });
    }
  }, 60_000);
});
