import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One vitest project per workspace folder, named after the folder:
// `vitest run --project ledger` runs only packages/ledger.
const folders = ['packages', 'drivers'].flatMap((top) =>
  readdirSync(top, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ top, name: entry.name })),
);

export default defineConfig({
  test: {
    // Browser and process tests poll for what a real page or agent shows; on a loaded CI machine
    // an event takes longer than vitest's default second to arrive.
    expect: { poll: { timeout: 10_000 } },
    // Vitest runs one file fewer than the cores at a time: one at a time on a 2-core CI box, where
    // most files spend their time waiting on agents, hubs, PostgreSQL and Chromium. Two at a time
    // there (the suite's wall time nearly halves); as many as the cores less one elsewhere.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The agent and the hub's CLI bundled once for the run (tests start them hundreds of times).
    globalSetup: [fileURLToPath(new URL('packages/agent/test/shared-bundles.ts', import.meta.url))],
    projects: folders.map(({ top, name }) => ({
      extends: true,
      test: {
        name,
        root: `${top}/${name}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      },
    })),
  },
});
