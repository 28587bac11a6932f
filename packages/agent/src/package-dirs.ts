import { fileURLToPath } from 'node:url';

// Folders found from this module's own place: `src/` in the sources, `dist/` in the bundle
// (its chunks sit at the depth of src/), so both resolve alike. Modules in src/'s subfolders
// use these rather than their own `import.meta.url`, whose depth the bundle does not keep.

/** packages/agent (in a release: the agent's app folder). */
export const agentPackageDir = fileURLToPath(new URL('..', import.meta.url));
/** The repository (in a release: the folder above the app's packages). */
export const repoRootDir = fileURLToPath(new URL('../../..', import.meta.url));
/** True when running from the bundle (`dist/*.mjs`) rather than the sources through tsx. */
export const runningBundled = import.meta.url.endsWith('.mjs');
