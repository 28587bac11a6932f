import type pg from 'pg';

/**
 * A pool whose connections never raise an error nobody hears. pg emits a connection's failure
 * (the server restarting or shutting down: 57P01) on the pool while the connection is idle, but
 * on the connection itself while it is checked out between two statements; with no listener
 * there, the hub process would crash. Both go to `onError`; the statement that next uses such a
 * connection fails as a query error, which the stores translate.
 */
export function hearPoolErrors(pool: pg.Pool, onError: (error: Error) => void = () => undefined): void {
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
}
