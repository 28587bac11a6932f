import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProgramFile, parseProgramText } from './load-program-file';

const fixture = resolve(import.meta.dirname, '../../../fixtures/programs/sample-grocery.json');

describe('loadProgramFile', () => {
  it('reads and validates a program file', async () => {
    const loaded = await loadProgramFile(fixture);
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.value.program.id).toBe('sample-grocery');
  });

  it('refuses text that is not JSON, naming the file', () => {
    const result = parseProgramText('{ "id": "x", }', 'programs/broken.json');
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.message).toMatch(/^programs\/broken\.json: \(top level\): is not valid JSON/);
  });

  it('throws when the file cannot be read (an edge failure, not a refusal)', async () => {
    await expect(loadProgramFile('/nonexistent/program.json')).rejects.toThrow(/ENOENT/);
  });
});
