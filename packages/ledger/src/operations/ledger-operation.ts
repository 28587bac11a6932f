import type { Outcome } from '@tillpoint/core';
import type { z } from 'zod';
import type { DecisionEnv, Effects, LedgerReader } from './ledger-ports';
import type { LedgerOperationName, OperationResults } from './results';

/** The fields every write request has. */
export interface WriteRequest {
  idempotencyKey: string;
  fingerprint?: string | undefined;
  at: number;
}

/** One write operation: its request schema and its decision (see `runOperation`). */
export interface LedgerOperation<Op extends LedgerOperationName, Req extends WriteRequest, C extends string> {
  name: Op;
  schema: z.ZodType<Req>;
  decide(
    read: LedgerReader,
    request: Req,
    env: DecisionEnv,
  ): Outcome<Effects<OperationResults[Op]>, Exclude<C, 'idempotency_conflict'>>;
}
