import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type AgentConfig, agentConfigSchema } from './agent-config';
import { ConfigError, describeIssues } from './config-error';

export interface LoadedConfig {
  config: AgentConfig;
  /** The file it came from, absolute. */
  file: string;
  /** Absolute paths derived from the config. */
  paths: { programFile: string; dataDir: string; ledgerFile: string };
}

/** Reads, parses and validates the config; throws `ConfigError` naming the file, the field and the fix. */
export function loadConfig(path: string): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(
      missing ? 'config_missing' : 'config_unreadable',
      missing
        ? `${file}: no such file. Create one with: tillpoint init --config ${path}`
        : `${file}: cannot be read (${(cause as Error).message}). Check its owner and mode (the agent's user must read it).`,
      { context: { file }, cause },
    );
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file: string): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    const where =
      cause instanceof YAMLParseError && cause.linePos !== undefined
        ? `line ${cause.linePos[0].line}, column ${cause.linePos[0].col}`
        : 'somewhere';
    throw new ConfigError(
      'config_syntax',
      `${file}: not valid YAML/JSON at ${where}: ${(cause as Error).message.split('\n')[0]}`,
      { context: { file }, cause },
    );
  }
  const parsed = agentConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const lines = describeIssues(file, parsed.error.issues);
    throw new ConfigError(
      'config_invalid',
      `the config is not valid; fix these and start again:\n  ${lines.join('\n  ')}`,
      {
        context: { file, problems: lines },
      },
    );
  }
  const config = parsed.data;
  const base = dirname(file);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const dataDir = at(config.dataDir);
  return {
    config,
    file,
    paths: { programFile: at(config.program), dataDir, ledgerFile: resolve(dataDir, 'till.sqlite') },
  };
}
