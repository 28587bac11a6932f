import { readFile } from 'node:fs/promises';
import { type Outcome, refuse } from '@tillpoint/core';
import { parseProgram } from './parse-program';
import type { ProgramVersion } from './program-schema';

/**
 * Reads a program file (JSON) and validates it. The only module of this package that does
 * I/O; the engine itself stays pure. A file that cannot be read still throws (an edge failure);
 * a file that is not a valid program is refused with every problem named.
 */
export async function loadProgramFile(path: string): Promise<Outcome<ProgramVersion, 'invalid_program'>> {
  const text = await readFile(path, 'utf8');
  return parseProgramText(text, path);
}

export function parseProgramText(text: string, source: string): Outcome<ProgramVersion, 'invalid_program'> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return refuse(
      'invalid_program',
      `${source}: (top level): is not valid JSON (${detail}); fix the syntax`,
      {
        source,
        problems: [`${source}: (top level): is not valid JSON (${detail})`],
      },
    );
  }
  return parseProgram(data, source);
}
