import { readFile } from 'node:fs/promises';
import type { Outcome } from '@tillpoint/core';
import { type ProgramVersion, parseProgramText } from '@tillpoint/rules';
import type { LoadedConfig } from './load-config';

export type ProgramProblem = 'program_missing' | 'program_unreadable' | 'invalid_program';

/**
 * Reads the loyalty program the config names. A missing or unreadable file is told with the
 * config field that names it and the fix, never as a bare ENOENT.
 */
export async function readProgram(loaded: LoadedConfig): Promise<Outcome<ProgramVersion, ProgramProblem>> {
  const file = loaded.paths.programFile;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const code: ProgramProblem = missing ? 'program_missing' : 'program_unreadable';
    const message = missing
      ? `${loaded.file}: program: ${file} does not exist. Put head office's program file there, or point "program" at it; "tillpoint init" writes a sample program beside a new config`
      : `${loaded.file}: program: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): let the agent's user read it (chown root:tillpoint, chmod 0640)`;
    return { ok: false, code, message, context: { file } };
  }
  const parsed = parseProgramText(text, file);
  if (parsed.ok) return parsed;
  return { ok: false, code: 'invalid_program', message: parsed.message, context: { file } };
}
