import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import type { HubStore } from '../hub-store';
import { openHubStore } from '../open-hub-store';

export const isPostgresUrl = (db: string) => /^postgres(ql)?:\/\//.test(db);

/**
 * Opens head office's database for a command. A SQLite path that does not exist is refused
 * unless `create` is set (`init`, or `serve --create`): a mistyped `--db` must not become a
 * new, empty head office that tills then fail to authenticate against.
 */
export async function openHubDatabase(
  db: string,
  o: { schema?: string; create?: boolean } = {},
): Promise<HubStore> {
  if (!isPostgresUrl(db)) {
    const file = resolve(db);
    if (!existsSync(file) && o.create !== true)
      throw new TillpointError(
        'database_missing',
        `--db: no hub database at ${file}: check the path (or $DATABASE_URL); to start a new head office there, run: tillpoint-hub init --db ${db}`,
      );
    if (!existsSync(dirname(file)))
      throw new TillpointError(
        'database_missing',
        `--db: the folder ${dirname(file)} does not exist: check the path`,
      );
  }
  return openHubStore(db, o.schema ? { schema: o.schema } : {});
}
