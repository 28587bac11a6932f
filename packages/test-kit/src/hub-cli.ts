import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hubCliArgs } from './hub-process';
import { packageDir } from './package-dir';

const hubDir = packageDir('@tillpoint/hub');

/** `tillpoint-hub` as head office runs it: a real process; its exit code and its output (stdout, then stderr). */
export function runHubCli(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, [...hubCliArgs(), ...args], { cwd: hubDir }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}
