import { TillpointError } from '@tillpoint/core';
import type { z } from 'zod';

export type ConfigErrorCode = 'config_missing' | 'config_unreadable' | 'config_syntax' | 'config_invalid';

/** A config file the agent cannot use: names the file, the place inside it, and the fix. */
export class ConfigError extends TillpointError<ConfigErrorCode> {}

/**
 * One line per problem: `till.yaml: scanners.0.baudRate: expected a number, got "9600 baud"`.
 * zod's message says what was wrong; where the schema knows the fix it says it too.
 */
export function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    }
    return `${file}: ${path}: ${message}`;
  });
}
