import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import pg from 'pg';
import { expect, it } from 'vitest';
import { copyIn } from '../src/history/sale-copy';

/**
 * A sales chunk is COPied straight into the hub's tables and falls back to the merge when a key
 * is held (`postgres-import-sales.ts`): the server refuses the COPY at its first held row while
 * the client still has megabytes to send, waiting for the stream to drain. The refusal must come
 * back as the unique violation, at once, and leave the connection usable for the rollback.
 */
it('a COPY refused mid-stream fails with the server error and leaves the connection usable', async () => {
  const server = await startTestPostgres();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE held (k bigint PRIMARY KEY, pad text)');
    await client.query("INSERT INTO held VALUES (1, 'already here')");
    await client.query('BEGIN');
    await client.query('SAVEPOINT fresh');
    const pad = 'x'.repeat(1000);
    // 40 parts of about 1 MB, the held key first: the stream is full long before the last part.
    const parts = Array.from({ length: 40 }, (_, p) =>
      new TextEncoder().encode(
        Array.from({ length: 1000 }, (_, i) => `${p * 1000 + i + 1}\t${pad}\n`).join(''),
      ),
    );
    const started = performance.now();
    const failed = await copyIn(client, 'COPY held (k, pad) FROM STDIN', parts).catch(
      (e: { code?: string }) => e,
    );
    expect((failed as { code?: string }).code).toBe('23505');
    expect(performance.now() - started).toBeLessThan(10_000);
    await client.query('ROLLBACK TO SAVEPOINT fresh');
    await client.query('COMMIT');
    expect((await client.query('SELECT count(*)::int AS n FROM held')).rows[0]).toEqual({ n: 1 });
  } finally {
    await client.end();
    await server.stop();
  }
}, 60_000);
