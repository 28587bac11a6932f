import { defineConfig } from 'tsup';

/**
 * `@tillpoint/pos-client` as published: one ES module and one type definition file in dist/.
 * The workspace's own schemas (@tillpoint/protocol and what it uses) are bundled in, code and
 * types alike; zod and eventsource-parser stay dependencies.
 */
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  noExternal: [/^@tillpoint\//],
  // The workspace modules only define schemas and functions: keep only what the client uses
  // (not the rules engine, the program loader or the sync protocol).
  treeshake: { preset: 'smallest' },
  external: ['zod', 'eventsource-parser'],
  dts: {
    // Relative imports and the workspace packages (by path: they ship TypeScript sources) are
    // inlined into index.d.ts; zod's types stay an import of the zod dependency.
    resolve: [/^\./, /^@tillpoint\//],
    compilerOptions: {
      composite: false,
      noEmit: false,
      paths: {
        '@tillpoint/protocol': ['../protocol/src/index.ts'],
        '@tillpoint/rules': ['../rules/src/index.ts'],
        '@tillpoint/core': ['../core/src/index.ts'],
      },
    },
  },
});
