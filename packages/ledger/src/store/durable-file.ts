import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a small file so that a power cut leaves either nothing or all of it: into a temporary
 * file beside it, fsync, rename over the name, fsync the directory (a rename is durable only
 * once its directory is). For keys and credentials written once at installation: without this,
 * a cut soon after leaves an empty file the next start cannot read. `exclusive`: refuse to
 * replace a file that exists (`EEXIST`).
 */
export function writeFileDurably(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; exclusive?: boolean } = {},
): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', options.mode ?? 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // Files made once (a key): never replace one that exists. One process writes them, at its
    // first start, so the check and the rename do not race.
    if (options.exclusive && existsSync(path))
      throw Object.assign(new Error(`EEXIST: ${path} already exists`), { code: 'EEXIST' });
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
