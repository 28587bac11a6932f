import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** One file the hub serves under /console/ (or `/` for the page itself). */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
}

export interface ConsoleBuild {
  html: string;
  /** By file name (content-hashed: served as immutable). */
  assets: Map<string, ConsoleAsset>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Bundles the console with esbuild, in memory: one script and one stylesheet, every import
 * inlined, minified, content-hashed names; index.html names them. Nothing is fetched from
 * anywhere else at run time (the hub serves these files; the CSP allows nothing more).
 */
export async function buildConsole(): Promise<ConsoleBuild> {
  const result = await build({
    absWorkingDir: here,
    entryPoints: { app: 'src/main.ts', style: 'src/style.css' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'safari16', 'firefox115'],
    outdir: 'out',
    entryNames: '[name]-[hash]',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>();
  let js = '';
  let css = '';
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    if (name.endsWith('.js')) {
      js = name;
      assets.set(name, { body: Buffer.from(file.contents), type: 'text/javascript; charset=utf-8' });
    } else if (name.endsWith('.css')) {
      css = name;
      assets.set(name, { body: Buffer.from(file.contents), type: 'text/css; charset=utf-8' });
    }
  }
  if (!js || !css) throw new Error('the console build made no script or no stylesheet');
  const html = readFileSync(new URL('index.html', import.meta.url), 'utf8')
    .replace('{{js}}', js)
    .replace('{{css}}', css);
  return { html, assets };
}
