import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BuyerBuild {
  html: string;
  /** By file name (content-hashed: served as immutable). */
  assets: Map<string, { body: Buffer; type: string }>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Bundles the buyer page with esbuild, in memory: one script (the QR drawing of bwip-js
 * included) and one stylesheet, content-hashed, and the web app manifest and its icon (fixed
 * names: a browser finds the manifest by its link); nothing is fetched from anywhere else.
 */
export async function buildBuyerApp(): Promise<BuyerBuild> {
  const result = await build({
    absWorkingDir: here,
    entryPoints: { buyer: 'src/main.ts', 'buyer-style': 'src/style.css' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome113', 'safari17', 'firefox130'],
    outdir: 'out',
    entryNames: '[name]-[hash]',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets = new Map<string, { body: Buffer; type: string }>();
  let js = '';
  let css = '';
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const type = name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
    if (name.endsWith('.js')) js = name;
    else if (name.endsWith('.css')) css = name;
    else continue;
    assets.set(name, { body: Buffer.from(file.contents), type });
  }
  if (!js || !css) throw new Error('the buyer page build made no script or no stylesheet');
  // The installable web app's manifest and icon, served beside the page (nothing from a CDN).
  for (const [name, type] of [
    ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['icon.svg', 'image/svg+xml'],
  ] as const)
    assets.set(name, { body: readFileSync(new URL(name, import.meta.url)), type });
  const html = readFileSync(new URL('index.html', import.meta.url), 'utf8')
    .replace('{{js}}', js)
    .replace('{{css}}', css);
  return { html, assets };
}
