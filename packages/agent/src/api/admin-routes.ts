import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerStore } from '@tillpoint/ledger';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { backupFileName, backupsDir } from '../ledger-maintenance';

/** A backup is a file name in `<dataDir>/backups/`, never a path: the POS token must not write elsewhere. */
export const backupNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'a file name (letters, digits, . _ -), not a path: backups go to <dataDir>/backups/',
  );

/** The least time between two backups: each one copies the whole ledger while the till sells. */
export const backupIntervalMinMs = 10_000;

const backupRequestSchema = z.strictObject({
  /** Default: `till-<time>.sqlite`. */
  name: backupNameSchema.optional(),
});

/**
 * Store IT routes on the local API (same token): the running agent holds the ledger file
 * exclusively, so `tillpoint ledger backup` asks it for an online backup. The copy lands in
 * the data directory's `backups/` (mode 0700), readable by the agent's user only (0600);
 * store IT copy it elsewhere themselves.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  deps: { ledger: () => LedgerStore | undefined; dataDir: string; clock?: () => number },
): void {
  const now = deps.clock ?? Date.now;
  // A backup holds the ledger for its fsyncs: one at a time, and not more often than this.
  let backupRunning = false;
  let lastBackupAt = Number.NEGATIVE_INFINITY;
  app.post('/v1/admin/backup', async (request, reply) => {
    const body = request.body ?? {};
    if (typeof body === 'object' && body !== null && 'to' in body) {
      return reply.code(400).send({
        code: 'invalid_request',
        message:
          'backups are written to <dataDir>/backups/ only: send { "name": "<file name>" } and copy the file from there',
      });
    }
    const parsed = backupRequestSchema.safeParse(body);
    if (!parsed.success)
      return reply.code(400).send({ code: 'invalid_request', message: z.prettifyError(parsed.error) });
    if (backupRunning || now() - lastBackupAt < backupIntervalMinMs) {
      return reply.code(429).send({
        code: 'rate_limited',
        message: `a backup was made less than ${backupIntervalMinMs / 1000} s ago (or is being made): try again shortly`,
      });
    }
    const ledger = deps.ledger();
    if (ledger === undefined) {
      return reply.code(503).send({
        code: 'loyalty_unavailable',
        message: 'the ledger is not open: nothing to back up from the agent',
      });
    }
    const dir = backupsDir(deps.dataDir);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (lstatSync(dir).isSymbolicLink() || !lstatSync(dir).isDirectory()) {
        return reply.code(409).send({
          code: 'backup_failed',
          message: `${dir} is not a plain directory: remove it and try again`,
        });
      }
      chmodSync(dir, 0o700);
      const dest = join(dir, parsed.data.name ?? backupFileName());
      backupRunning = true;
      lastBackupAt = now();
      const done = await ledger.backup(dest).finally(() => {
        backupRunning = false;
      });
      chmodSync(done.path, 0o600);
      return { path: done.path, lastSeq: done.lastSeq, epoch: done.epoch };
    } catch (error) {
      return reply.code(409).send({
        code: 'backup_failed',
        message: (error as Error).message,
      });
    }
  });
}
