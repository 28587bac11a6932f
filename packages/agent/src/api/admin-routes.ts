import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SqliteLedgerStore } from '@tillpoint/ledger/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defaultBackupPath } from '../ledger-maintenance';

const backupRequestSchema = z.strictObject({
  /** An absolute file name that does not exist yet; default: `<dataDir>/backups/till-<time>.sqlite`. */
  to: z.string().min(1).max(4096).refine(isAbsolute, 'an absolute path').optional(),
});

/**
 * Store IT routes on the local API (same token): the running agent holds the ledger file
 * exclusively, so `tillpoint ledger backup` asks it for an online backup.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  deps: { ledger: () => SqliteLedgerStore | undefined; dataDir: string },
): void {
  app.post('/v1/admin/backup', async (request, reply) => {
    const parsed = backupRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success)
      return reply.code(400).send({ code: 'invalid_request', message: z.prettifyError(parsed.error) });
    const ledger = deps.ledger();
    if (ledger === undefined) {
      return reply.code(503).send({
        code: 'loyalty_unavailable',
        message: 'the ledger is not open: nothing to back up from the agent',
      });
    }
    const dest = resolve(parsed.data.to ?? defaultBackupPath(deps.dataDir));
    try {
      mkdirSync(dirname(dest), { recursive: true });
      const done = await ledger.backup(dest);
      return { path: done.path, lastSeq: done.lastSeq, epoch: done.epoch };
    } catch (error) {
      return reply.code(409).send({
        code: (error as { code?: string }).code ?? 'backup_failed',
        message: (error as Error).message,
      });
    }
  });
}
