import type pg from 'pg';
import { HubStoreError, translatePostgresError } from './hub-store-error';
import { publication } from './postgres-sql';

/** Feed numbers a write took: published once its COMMIT returned. */
export interface FeedRange {
  first: number;
  last: number;
}

/**
 * The PostgreSQL store's calls and transactions: database errors translated to `HubStoreError`s,
 * a connection of its own for each call, and the publication of a write's feed numbers after its
 * COMMIT returned (`pgSql.advancePublished`).
 */
export class PostgresTransactions {
  #closed = false;
  /** Feed numbers committed but not yet published (the publication failed): sent with the next. */
  #unpublished: FeedRange[] = [];

  constructor(
    readonly pool: pg.Pool,
    readonly where: string,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  async run<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed)
      throw new HubStoreError('store_closed', `the store for ${this.where} was closed before ${doing}.`);
    try {
      return await fn();
    } catch (error) {
      throw translatePostgresError(error, this.where, doing);
    }
  }

  /** A connection of its own for one call: an open transaction is rolled back if the call fails. */
  connected<T>(doing: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(doing, async () => {
      const client = await this.pool.connect();
      try {
        return await fn(client);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
  }

  /** One transaction; a write publishes its feed numbers once COMMIT returned. */
  tx<T>(
    doing: string,
    fn: (client: pg.PoolClient) => Promise<{ value: T; numbers?: FeedRange }>,
    isolation = 'READ COMMITTED',
  ): Promise<T> {
    return this.connected(doing, async (client) => {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const { value, numbers } = await fn(client);
      await client.query('COMMIT');
      await this.publish(client, numbers);
      return value;
    });
  }

  /**
   * After COMMIT returned: publishes the write's feed numbers, so pulls may read them. Nothing
   * after a commit may turn it into a failure: a publication that fails is kept and sent with
   * the next one (pulls wait for it meanwhile; the jobs and the next open publish everything
   * committed in any case).
   */
  async publish(client: pg.PoolClient, numbers: FeedRange | undefined): Promise<void> {
    const ranges = numbers === undefined ? this.#unpublished : [...this.#unpublished, numbers];
    const text = publication(ranges);
    if (text === null) return;
    try {
      await client.query(text);
      this.#unpublished = [];
    } catch {
      await client.query('ROLLBACK').catch(() => undefined);
      // Bounded: the jobs (and the next open) publish everything committed whatever this list holds.
      this.#unpublished = ranges.slice(-10_000);
    }
  }

  /** No call after this one; the pool ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
