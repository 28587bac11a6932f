import { TillpointError } from './errors';

/** A broken invariant: a bug, never an operating condition. The process should crash. */
export class AssertionError extends TillpointError<'assertion_failed'> {
  constructor(message: string, context?: Record<string, unknown>) {
    super('assertion_failed', message, context === undefined ? {} : { context });
  }
}

export function assert(
  condition: unknown,
  message: string,
  context?: Record<string, unknown>,
): asserts condition {
  if (!condition) throw new AssertionError(message, context);
}

export function assertSafeInteger(value: number, what: string): void {
  assert(Number.isSafeInteger(value), `${what} must be a safe integer, got ${value}`);
}

/** For switch statements over unions: the compiler proves this is never reached. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
