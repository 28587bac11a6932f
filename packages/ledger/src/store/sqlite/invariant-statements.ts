import type Database from 'better-sqlite3';
import { grantedInBody, redeemedInBody } from './schema';

/**
 * The ledger invariants as SQL over the whole file, prepared once at open (where they run) and
 * run again by `checkIntegrity`. Each returns the first rows that break it (none when it holds).
 */
export function prepareInvariantStatements(db: Database.Database) {
  return {
    unbalancedEntries: db.prepare(
      'SELECT txn_id, sum(amount) AS total FROM posting GROUP BY txn_id HAVING total <> 0 LIMIT 20',
    ),
    lotPostingMismatch: db.prepare(
      `SELECT l.lot_id, l.remaining, coalesce(p.posted, 0) AS posted FROM lot l
         LEFT JOIN (SELECT lot_id, sum(amount) AS posted FROM posting WHERE lot_id IS NOT NULL GROUP BY lot_id) p
           ON p.lot_id = l.lot_id
        WHERE l.remaining <> coalesce(p.posted, 0)
       UNION ALL
       SELECT p.lot_id, 0, sum(p.amount) FROM posting p LEFT JOIN lot l ON l.lot_id = p.lot_id
        WHERE p.lot_id IS NOT NULL AND l.lot_id IS NULL AND p.lot_id NOT LIKE 'snapshot:%' GROUP BY p.lot_id
       UNION ALL
       -- Head office's snapshot lot has no row here; the till only ever takes from it.
       SELECT lot_id, 0, sum(amount) AS posted FROM posting WHERE lot_id LIKE 'snapshot:%'
        GROUP BY lot_id HAVING posted > 0 OR lot_id <> 'snapshot:' || min(card_id) OR min(card_id) <> max(card_id)
       LIMIT 20`,
    ),
    balanceMismatch: db.prepare(
      `WITH posted AS (
         SELECT card_id,
                sum(CASE WHEN account = 'member_available' THEN amount ELSE 0 END) AS pa,
                sum(CASE WHEN account = 'member_pending' THEN amount ELSE 0 END) AS pp
           FROM posting WHERE account IN ('member_available', 'member_pending') GROUP BY card_id)
       SELECT b.card_id, b.available, b.pending, coalesce(p.pa, 0) AS pa, coalesce(p.pp, 0) AS pp
         FROM card b LEFT JOIN posted p ON p.card_id = b.card_id
        WHERE b.available <> coalesce(p.pa, 0) OR b.pending <> coalesce(p.pp, 0)
       UNION ALL
       SELECT p.card_id, 0, 0, p.pa, p.pp FROM posted p LEFT JOIN card b ON b.card_id = p.card_id
        WHERE b.card_id IS NULL
       LIMIT 20`,
    ),
    outboxGaps: db.prepare(
      `SELECT epoch, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM outbox GROUP BY epoch
        HAVING lo <> 1 OR hi <> n OR min(id - seq) <> max(id - seq)`,
    ),
    holdsExceedingLots: db.prepare(
      `SELECT hl.lot_id, sum(hl.points) AS held, l.remaining FROM hold h
         JOIN hold_lot hl ON hl.hold_id = h.hold_id JOIN lot l ON l.lot_id = hl.lot_id
        WHERE h.state = 'active' AND h.expires_at > ? GROUP BY hl.lot_id HAVING held > l.remaining LIMIT 20`,
    ),
    snapshotDeltaMismatch: db.prepare(
      `WITH after AS (
         -- CROSS JOIN keeps posting the outer loop: one pass, primary-key lookups inside.
         SELECT s.card_id, sum(p.amount) AS posted FROM posting p
           CROSS JOIN card_snapshot s ON s.card_id = p.card_id
           CROSS JOIN journal j ON j.txn_id = p.txn_id
          WHERE p.account IN ('member_available', 'member_pending') AND j.epoch = @epoch
            AND j.till_seq > CASE WHEN s.watermark_epoch = @epoch THEN s.watermark_seq ELSE 0 END
          GROUP BY s.card_id)
       SELECT s.card_id, s.delta, coalesce(a.posted, 0) AS posted FROM card_snapshot s
         LEFT JOIN after a ON a.card_id = s.card_id WHERE s.delta <> coalesce(a.posted, 0) LIMIT 20`,
    ),
    journalOutboxCounts: db.prepare(
      'SELECT (SELECT count(*) FROM journal) AS journal, (SELECT count(*) FROM outbox) AS outbox',
    ),
    // Each unacknowledged entry of this epoch has its spend recorded as its body says (ids after @from).
    unackedSpendRecords: db.prepare(
      `SELECT o.seq, coalesce(s.points, 0) AS recorded, max(${redeemedInBody('o.body')}, 0) AS spent
         FROM outbox o LEFT JOIN outbox_spend s ON s.id = o.id
        WHERE o.id > @from AND coalesce(s.points, 0) <> max(${redeemedInBody('o.body')}, 0) LIMIT 20`,
    ),
    // The running totals equal the recorded spends after the acknowledged seq.
    unackedSpendTotals: db.prepare(
      `WITH after AS (SELECT card_id, sum(points) AS points FROM outbox_spend WHERE id > @from GROUP BY card_id)
       SELECT c.card_id, c.unacked_spent AS kept, coalesce(a.points, 0) AS recorded FROM card c
         LEFT JOIN after a ON a.card_id = c.card_id WHERE c.unacked_spent <> coalesce(a.points, 0)
       UNION ALL
       SELECT a.card_id, 0, a.points FROM after a LEFT JOIN card c ON c.card_id = a.card_id WHERE c.card_id IS NULL
       UNION ALL
       SELECT '(till)', coalesce((SELECT value FROM counter WHERE name = 'unacked_spent'), 0),
              (SELECT coalesce(sum(points), 0) FROM outbox_spend WHERE id > @from)
        WHERE coalesce((SELECT value FROM counter WHERE name = 'unacked_spent'), 0)
              <> (SELECT coalesce(sum(points), 0) FROM outbox_spend WHERE id > @from)
       LIMIT 20`,
    ),
    // Each unacknowledged entry of this epoch has its once-only grants recorded as its body says.
    unackedGrantRecords: db.prepare(
      `SELECT o.seq, coalesce(g.points, 0) AS recorded, ${grantedInBody('o.body')} AS granted
         FROM outbox o LEFT JOIN outbox_grant g ON g.id = o.id
        WHERE o.id > @from AND coalesce(g.points, 0) <> ${grantedInBody('o.body')} LIMIT 20`,
    ),
    unackedGrantTotals: db.prepare(
      `WITH after AS (SELECT card_id, sum(points) AS points FROM outbox_grant WHERE id > @from GROUP BY card_id)
       SELECT c.card_id, c.unacked_granted AS kept, coalesce(a.points, 0) AS recorded FROM card c
         LEFT JOIN after a ON a.card_id = c.card_id WHERE c.unacked_granted <> coalesce(a.points, 0)
       UNION ALL
       SELECT '(till)', coalesce((SELECT value FROM counter WHERE name = 'unacked_granted'), 0),
              (SELECT coalesce(sum(points), 0) FROM outbox_grant WHERE id > @from)
        WHERE coalesce((SELECT value FROM counter WHERE name = 'unacked_granted'), 0)
              <> (SELECT coalesce(sum(points), 0) FROM outbox_grant WHERE id > @from)
       LIMIT 20`,
    ),
  };
}

export type InvariantStatements = ReturnType<typeof prepareInvariantStatements>;
