import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleFreshness } from './bundle-freshness';

describe('bundleFreshness', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const file = (path: string, at: number) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
    utimesSync(join(root, path), at / 1000, at / 1000);
  };

  it('tells no bundle, a bundle newer than every source, and one older than a changed source', () => {
    root = mkdtempSync(join(tmpdir(), 'tillpoint-bundle-age-'));
    file('packages/core/src/money.ts', 1_000_000);
    file('drivers/scanner/src/decode.ts', 2_000_000);
    expect(bundleFreshness(root)).toEqual({ state: 'none' });
    file('packages/agent/dist/tillpoint.mjs', 3_000_000);
    // Tests, node_modules and the bundle itself never count.
    file('packages/core/src/money.test.ts', 9_000_000);
    file('packages/core/src/node_modules/x/index.js', 9_000_000);
    expect(bundleFreshness(root)).toEqual({ state: 'fresh', builtAt: 3_000_000 });
    file('drivers/scanner/src/decode.ts', 4_000_000); // a `git pull` changed it
    expect(bundleFreshness(root)).toEqual({
      state: 'stale',
      builtAt: 3_000_000,
      newest: { file: 'drivers/scanner/src/decode.ts', changedAt: 4_000_000 },
    });
  });
});
