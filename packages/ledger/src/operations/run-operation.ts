import { accept, assert, type Outcome, refuse } from '@tillpoint/core';
import type { z } from 'zod';
import { sha256Hex } from '../model/outbox-entry';
import { LedgerStoreError } from '../store/ledger-store-error';
import type { LedgerOperation, WriteRequest } from './ledger-operation';
import type { Effects, LedgerPorts, LedgerWrite, LedgerWriter } from './ledger-ports';
import type { LedgerOperationName, OperationResults, WriteOptions } from './results';

/**
 * The caller's answer document is JSON of at most this many bytes (UTF-8): a sale's answer
 * carries its slip and up to 1,000 lines of points spent, so room for both, bounded.
 */
export const answerBytesMax = 1024 * 1024;

export interface OperationEnv {
  /** Makes the fresh id each operation gets (UUIDv7 in production). */
  newId: () => string;
  returnLotLifetimeMs: number;
}

/** Validates a request; a failure is a bug in the caller and is thrown, naming the field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`)
      .join('; ');
    throw new LedgerStoreError('invalid_request', `${what}: ${issues}`, {
      context: { issues: parsed.error.issues },
    });
  }
  return parsed.data;
}

/**
 * A request's identity under its idempotency key: the operation and, when the caller sent a
 * `fingerprint`, that alone; otherwise the request as the ledger received it, without its key
 * and `at` (a retry stamped a moment later is the same request). Without a fingerprint the hash
 * is the one earlier versions kept, so their records still match.
 */
export function requestIdentity(operation: LedgerOperationName, request: WriteRequest): string {
  const { idempotencyKey: _key, at: _sentAt, fingerprint, ...rest } = request;
  if (fingerprint !== undefined) return sha256Hex(`${operation}\nfingerprint\n${fingerprint}`);
  // The request is zod output, so its keys come in schema order: plain JSON is canonical here.
  return sha256Hex(`${operation}\n${JSON.stringify(rest)}`);
}

/**
 * The one path of every write, run by each store inside one transaction of its own:
 * parse → idempotency → read → decide → write → result. A key seen before answers its first
 * result (same identity) or `idempotency_conflict`; a refusal writes nothing and keeps no record,
 * so a retry is judged afresh. The result, and the caller's answer document when
 * `options.answer` is given, are kept with the idempotency record in the same transaction.
 */
export function runOperation<Op extends LedgerOperationName, Req extends WriteRequest, C extends string>(
  ports: LedgerPorts,
  operation: LedgerOperation<Op, Req, C>,
  input: unknown,
  options: WriteOptions<OperationResults[Op]> | undefined,
  env: OperationEnv,
): Outcome<OperationResults[Op], Exclude<C, 'idempotency_conflict'> | 'idempotency_conflict'> {
  const { read, write } = ports;
  const request = parseRequest(operation.schema, input, operation.name);
  const identity = requestIdentity(operation.name, request);
  const prior = read.idempotency(request.idempotencyKey);
  if (prior !== undefined) {
    if (prior.operation === operation.name && prior.identity === identity) {
      return accept(JSON.parse(prior.resultJson) as OperationResults[Op]);
    }
    return refuse(
      'idempotency_conflict',
      `idempotency key "${request.idempotencyKey}" was already used for a different ${prior.operation} request`,
      { idempotencyKey: request.idempotencyKey, firstOperation: prior.operation },
    );
  }
  const decided = operation.decide(read, request, {
    id: env.newId(),
    newId: env.newId,
    returnLotLifetimeMs: env.returnLotLifetimeMs,
  });
  if (!decided.ok) return decided;
  const effects: Effects<OperationResults[Op]> = decided.value;
  applyWrites(write, effects.writes);
  const seq = effects.entry === undefined ? 0 : write.appendEntry(effects.entry).seq;
  const result = effects.result({ epoch: read.epoch, seq }, read);
  write.recordIdempotency({
    idempotencyKey: request.idempotencyKey,
    operation: operation.name,
    identity,
    fingerprint: request.fingerprint ?? null,
    resultJson: JSON.stringify(result),
    answerJson: options?.answer === undefined ? null : answerJson(operation.name, options.answer, result),
    txnId: effects.entry?.txnId ?? null,
    recordedAt: request.at,
  });
  return accept(result);
}

function applyWrites(writer: LedgerWriter, writes: readonly LedgerWrite[]): void {
  for (const w of writes)
    (writer[w.kind] as (this: LedgerWriter, write: LedgerWrite) => void).call(writer, w);
}

/** The caller's answer document as JSON, checked: serialisable and at most `answerBytesMax`. */
function answerJson<T>(operation: string, build: (result: T) => unknown, result: T): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(build(result));
  } catch (error) {
    throw new LedgerStoreError(
      'invalid_request',
      `${operation}: the answer document is not JSON (${(error as Error).message}); nothing was written`,
      { cause: error },
    );
  }
  if (json === undefined) {
    throw new LedgerStoreError(
      'invalid_request',
      `${operation}: the answer document is not JSON (a function or undefined); nothing was written`,
    );
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > answerBytesMax) {
    throw new LedgerStoreError(
      'invalid_request',
      `${operation}: the answer document is ${bytes} bytes, at most ${answerBytesMax}; nothing was written`,
      { context: { bytes, max: answerBytesMax } },
    );
  }
  assert(json.length > 0, 'an answer document serialises to something');
  return json;
}
