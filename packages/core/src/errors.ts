/**
 * Failures at the edges (a store, a driver, a config file) are thrown as a
 * `TillpointError` subclass with a stable `code` that logs, the API and tests match on.
 * Business refusals are not thrown: they are returned as `Refusal` values.
 */
export class TillpointError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: Code,
    message: string,
    options: { context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }

  /** A plain object for structured logs and API bodies. */
  toJSON(): { code: Code; message: string; context: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, context: this.context };
  }
}

/** A business outcome: either a value or a refusal with a stable code the POS can show. */
export type Outcome<T, Code extends string> = { ok: true; value: T } | Refusal<Code>;

export interface Refusal<Code extends string> {
  ok: false;
  code: Code;
  message: string;
  context?: Record<string, unknown>;
}

export function accept<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function refuse<Code extends string>(
  code: Code,
  message: string,
  context?: Record<string, unknown>,
): Refusal<Code> {
  return context === undefined ? { ok: false, code, message } : { ok: false, code, message, context };
}
