import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./powercut.c', import.meta.url));
const pageBytes = 4096;

/**
 * Compiles powercut.c with the machine's C compiler (`cc`, Debian's gcc) into the temp
 * directory, once per version of the source. The library is never committed.
 */
export function buildPowerCutLibrary(): string {
  const code = readFileSync(source);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const library = join(tmpdir(), `tillpoint-powercut-${hash}.so`);
  if (existsSync(library)) return library;
  const partial = `${library}.${process.pid}.tmp`;
  execFileSync(
    'cc',
    ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Wno-format-truncation', '-o', partial, source, '-ldl'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  renameSync(partial, library); // atomic: a parallel test file sees all of it or none
  return library;
}

/**
 * What happens to the pages written since a file's last fsync when the power goes:
 * `none` drops them all (the strictest reading of POSIX, the model); `ordered` writes
 * back any subset of them, page by page, and keeps the old or the new size (what ext4 in
 * data=ordered mode may leave: blocks past the old size are written before the size is).
 */
export type Writeback = 'none' | 'ordered';

export interface CutReport {
  /** Files (paths relative to the root) rolled back to their last durable content. */
  rolledBack: string[];
  /** Bytes that differed between the page cache and what the disk kept. */
  bytesDropped: number;
  /** Names created (or renamed into place) and never made durable by a directory fsync: gone. */
  namesDropped: string[];
  /** Names unlinked without a directory fsync: back, with their durable content. */
  namesRestored: string[];
}

/**
 * A directory whose files can lose power. Processes started with `env()` run on the real
 * files while powercut.so records in a shadow directory what each fsync made durable (see
 * powercut.c). After the test kills such a process (SIGKILL), `cut()` rewrites the directory to
 * what a disk would hold after a power cut at that moment, and the test restarts the process on
 * it. Only one process may write under the root at a time, and only while the others are dead.
 */
export class PowerCutDisk {
  readonly root: string;
  readonly shadow: string;
  private readonly library: string;

  constructor(root: string) {
    mkdirSync(root, { recursive: true });
    this.root = realpathSync(root);
    this.shadow = mkdtempSync(join(tmpdir(), 'tillpoint-shadow-'));
    this.library = buildPowerCutLibrary();
    this.markDurable();
  }

  /** The environment a process needs for its writes under the root to be tracked. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.library,
      POWERCUT_ROOT: this.root,
      POWERCUT_SHADOW: this.shadow,
      // libuv may submit file writes through io_uring, which no preloaded library sees.
      UV_USE_IO_URING: '0',
    };
  }

  /**
   * Declares everything under the root durable as it is now (a clean start, or the state a
   * test put there itself). Every file gets a fresh id: `<inode>.0`.
   */
  markDurable(): void {
    // What the page cache held is now on disk: no pending names, no dirty files, fresh ids.
    for (const volatile of ['data', 'dirty', 'ids', 'pending'])
      rmSync(join(this.shadow, volatile), { recursive: true, force: true });
    mkdirSync(join(this.shadow, 'data'));
    mkdirSync(join(this.shadow, 'dirty'));
    const lines: string[] = [];
    for (const rel of this.files()) {
      const path = join(this.root, rel);
      const id = `${statSync(path).ino}.0`;
      writeFileSync(join(this.shadow, 'data', id), readFileSync(path));
      lines.push(`${id}\t${rel}\n`);
    }
    writeFileSync(join(this.shadow, 'names'), lines.join(''));
  }

  /**
   * The power cut, once the process that wrote under the root is dead: names and contents
   * go back to what the last fsyncs made durable (with `ordered`, plus any subset of the
   * pages written since). Then that state is declared durable for the next run.
   */
  cut(writeback: Writeback = 'none', random: () => number = Math.random): CutReport {
    const durable = this.durableNames();
    const report: CutReport = { rolledBack: [], bytesDropped: 0, namesDropped: [], namesRestored: [] };
    for (const rel of this.files()) {
      if (durable.has(rel)) continue;
      unlinkSync(join(this.root, rel));
      report.namesDropped.push(rel);
    }
    for (const [rel, id] of durable) {
      const path = join(this.root, rel);
      const dataFile = join(this.shadow, 'data', id);
      const kept = existsSync(dataFile) ? readFileSync(dataFile) : Buffer.alloc(0);
      if (!existsSync(path)) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, kept);
        report.namesRestored.push(rel);
        continue;
      }
      const current = readFileSync(path);
      const sameFile = id.startsWith(`${statSync(path).ino}.`);
      const next = writeback === 'ordered' && sameFile ? orderedWriteback(kept, current, random) : kept;
      if (current.equals(next)) continue;
      report.rolledBack.push(rel);
      report.bytesDropped += differingBytes(current, next);
      writeFileSync(path, next); // in place: the file keeps its inode
    }
    this.markDurable();
    return report;
  }

  /** How many fsyncs the library saw, per file (relative path), since the disk was made. */
  flushes(): Map<string, number> {
    const counts = new Map<string, number>();
    const log = join(this.shadow, 'flushes');
    if (!existsSync(log)) return counts;
    for (const rel of readFileSync(log, 'utf8').split('\n'))
      if (rel !== '') counts.set(rel, (counts.get(rel) ?? 0) + 1);
    return counts;
  }

  /** Removes the shadow (the root is the test's). */
  dispose(): void {
    rmSync(this.shadow, { recursive: true, force: true });
  }

  private durableNames(): Map<string, string> {
    const names = new Map<string, string>();
    for (const line of readFileSync(join(this.shadow, 'names'), 'utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) names.set(line.slice(tab + 1), line.slice(0, tab));
    }
    return names;
  }

  /** Regular files under the root, as paths relative to it. */
  private files(dir = this.root): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) found.push(...this.files(path));
      else if (entry.isFile()) found.push(relative(this.root, path));
    }
    return found;
  }
}

/**
 * What an ext4-like disk may hold after a cut: the old or the new size; pages inside both
 * the old and the new content are either; pages only the new content has were written
 * before the size that exposes them (data=ordered), pages only the old has are the old.
 */
export function orderedWriteback(kept: Buffer, current: Buffer, random: () => number): Buffer {
  const size = random() < 0.5 ? kept.length : current.length;
  const out = Buffer.alloc(size);
  for (let lo = 0; lo < size; lo += pageBytes) {
    const hi = Math.min(lo + pageBytes, size);
    const inKept = hi <= kept.length;
    const inCurrent = hi <= current.length;
    const from =
      inKept && inCurrent
        ? random() < 0.5
          ? kept
          : current
        : inCurrent
          ? current
          : inKept
            ? kept
            : current.length >= kept.length
              ? current
              : kept;
    from.copy(out, lo, lo, Math.min(hi, from.length));
  }
  return out;
}

function differingBytes(a: Buffer, b: Buffer): number {
  let n = Math.abs(a.length - b.length);
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) if (a[i] !== b[i]) n += 1;
  return n;
}
