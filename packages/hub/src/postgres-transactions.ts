import type pg from 'pg';
import { HubStoreError, translatePostgresError } from './hub-store-error';

/**
 * Every writer's transaction on Citus runs its multi-shard writes one shard at a time, in shard
 * order (Citus's default, `parallel`, sends a statement's rows to several nodes at once: two
 * writes that share cards on two nodes could then lock them in opposite orders, a distributed
 * deadlock). On plain PostgreSQL it sets an unused placeholder setting: no effect.
 */
export const writerMode = "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'";

/**
 * The PostgreSQL store's calls and transactions: database errors translated to `HubStoreError`s,
 * and a connection of its own for each call.
 */
export class PostgresTransactions {
  #closed = false;

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

  /** One transaction. */
  tx<T>(doing: string, fn: (client: pg.PoolClient) => Promise<T>, isolation = 'READ COMMITTED'): Promise<T> {
    return this.connected(doing, async (client) => {
      const writes = !/\bREAD ONLY\b/.test(isolation);
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}${writes ? `; ${writerMode}` : ''}`);
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    });
  }

  /** No call after this one; the pool ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
