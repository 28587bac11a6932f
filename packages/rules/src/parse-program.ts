import { createHash } from 'node:crypto';
import { accept, canonicalJson, type Outcome, refuse } from '@tillpoint/core';
import type { z } from 'zod';

import { checkProgram } from './program-checks';
import { type ProgramVersion, programShapeSchema } from './program-schema';

/**
 * Validates a program file as a whole: any mistake refuses the whole program, and the
 * message lists every problem as `source: path.to.field: what is wrong and what to write`.
 * The version id is the first 16 hex digits of the SHA-256 of the canonical JSON of the
 * parsed program, so key order and spelt-out defaults do not change it.
 */
export function parseProgram(input: unknown, source: string): Outcome<ProgramVersion, 'invalid_program'> {
  // fields first, then the cross-field checks on the same input, so one answer lists everything
  const parsed = programShapeSchema.safeParse(input);
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues, source);
  checkProgram(input, (path, message) => problems.push(`${source}: ${formatPath(path)}: ${message}`));
  if (!parsed.success || problems.length > 0) {
    return refuse(
      'invalid_program',
      `${source}: the program was refused, ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.join('\n')}`,
      { source, problems },
    );
  }
  // frozen: the engine caches work per program object, so a program must not change under it
  return accept({ program: deepFreeze(parsed.data), versionId: programVersionId(parsed.data) });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function programVersionId(program: unknown): string {
  return createHash('sha256').update(canonicalJson(program)).digest('hex').slice(0, 16);
}

/** `earn[2].when.segments[0]` from ['earn', 2, 'when', 'segments', 0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], source: string): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        lines.push(
          `${source}: ${formatPath([...issue.path, key])}: unknown field "${key}"; remove it or correct its spelling`,
        );
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // a discriminated union with a known type reports the member's issues here
      const nested = issue.errors.flat();
      if (nested.length > 0) {
        lines.push(
          ...describeIssues(
            nested.map((n) => ({ ...n, path: [...issue.path, ...n.path] })),
            source,
          ),
        );
        continue;
      }
    }
    lines.push(`${source}: ${formatPath(issue.path)}: ${humanMessage(issue)}`);
  }
  return [...new Set(lines)];
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    return issue.input === undefined
      ? `is missing; add it (expected ${issue.expected})`
      : `${issue.message.replace(/^Invalid input: /, '')}; write a ${issue.expected}`;
  }
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid')) {
    return `${issue.message}; write one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}
