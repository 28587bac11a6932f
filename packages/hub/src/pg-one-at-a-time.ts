import type pg from 'pg';

/**
 * The client, with each statement sent once the one before it is answered, in the order they
 * were asked for. A push asks for its statements without waiting (each is built while the server
 * runs the one before); pg 8.23 deprecates queueing them on the client itself (gone in pg 9),
 * so they queue here. Once one fails, the ones behind it are not sent and fail with its error:
 * the caller rolls the transaction back, and nothing may reach the server after that.
 * Promise calls only (no callbacks, no COPY).
 */
export function oneAtATime<C extends pg.ClientBase>(client: C): C {
  let tail: Promise<unknown> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const query = (...args: unknown[]): Promise<unknown> => {
    const sent = tail.then(() => {
      if (failure !== undefined) throw failure.error;
      return (client.query as (...a: unknown[]) => Promise<unknown>).apply(client, args);
    });
    tail = sent.catch((error: unknown) => {
      failure ??= { error };
    });
    return sent;
  };
  return new Proxy(client, {
    get(target, key) {
      if (key === 'query') return query;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
