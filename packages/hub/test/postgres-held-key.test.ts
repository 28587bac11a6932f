import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isHeldKeyClash } from '../src/postgres-write';

/**
 * A push repeating a transaction head office holds answers `epoch_conflict`: the write's clash on
 * a posting's or sale fact's key is recognised in each shape it arrives in. The shapes are those
 * seen as sent: plain PostgreSQL, and a Citus 13.2 cluster (PostgreSQL 15), where the rows of an
 * `INSERT … SELECT` are copied into the shards and a clash comes back from Citus's COPY as XX000.
 */
function databaseError(message: string, fields: { code: string; constraint?: string; detail?: string }) {
  const error = new pg.DatabaseError(message, message.length, 'error');
  Object.assign(error, fields);
  return error;
}

describe('a held transaction, recognised from the write’s key clash', () => {
  it('on plain PostgreSQL: 23505 with the constraint named', () => {
    expect(
      isHeldKeyClash(
        databaseError('duplicate key value violates unique constraint "posting_p2_pkey"', {
          code: '23505',
          constraint: 'posting_p2_pkey',
        }),
      ),
    ).toBe(true);
  });

  it('on Citus: a worker’s 23505 without the field, the shard’s name suffixed', () => {
    expect(
      isHeldKeyClash(
        databaseError('duplicate key value violates unique constraint "sale_fact_y2026m12_pkey_102233"', {
          code: '23505',
        }),
      ),
    ).toBe(true);
  });

  it('on Citus: the COPY into the shards reports XX000 with the worker’s message (as seen on 13.2)', () => {
    expect(
      isHeldKeyClash(
        databaseError('duplicate key value violates unique constraint "posting_p2_pkey_111967"', {
          code: 'XX000',
          detail: 'Key (card_id, txn_id, leg)=(card-a, t1-e1-txn-1, 0) already exists.',
        }),
      ),
    ).toBe(true);
  });

  it('not another table’s key, another error, nor another XX000', () => {
    for (const error of [
      databaseError('duplicate key value violates unique constraint "till_pkey"', {
        code: '23505',
        constraint: 'till_pkey',
      }),
      databaseError('duplicate key value violates unique constraint "journal_p1_pkey_102010"', {
        code: 'XX000',
      }),
      databaseError('could not connect to the worker node posting_1', { code: 'XX000' }),
      databaseError('canceling the transaction since it was involved in a distributed deadlock', {
        code: '40P01',
      }),
      new Error('duplicate key value violates unique constraint "posting_pkey"'),
      null,
      'posting',
    ])
      expect(isHeldKeyClash(error)).toBe(false);
  });
});
