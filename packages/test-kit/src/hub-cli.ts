import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageDir } from './package-dir';

const hubDir = packageDir('@tillpoint/hub');
const cli = join(hubDir, 'src', 'cli.ts');

/** `tillpoint-hub` as head office runs it: a real process; its exit code and its output (stdout, then stderr). */
export function runHubCli(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: hubDir }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}
