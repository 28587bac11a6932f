import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The folder of a workspace package, found by its name the way Node finds the package (its
 * `package.json` export), so a helper here starts a package's CLI without knowing where the
 * package sits in the tree.
 */
export function packageDir(name: `@tillpoint/${string}`): string {
  return dirname(require.resolve(`${name}/package.json`));
}
