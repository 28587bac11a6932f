import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const hubDir = fileURLToPath(new URL('..', import.meta.url));

/** `tillpoint-hub` as head office runs it: a real process; its exit code and its output (stdout, then stderr). */
export function runHubCli(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: hubDir }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}
