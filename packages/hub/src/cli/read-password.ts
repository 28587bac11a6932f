import { createInterface } from 'node:readline';
import { TillpointError } from '@tillpoint/core';

const passwordCharsMax = 1_000;

/**
 * A password from the person at the terminal, typed twice and never echoed; from stdin (one
 * line) when it is not a terminal, so scripts can pipe it in.
 */
export async function readPassword(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) {
    const line = await firstLine(input);
    if (line === undefined || line.length === 0)
      throw new TillpointError(
        'password_missing',
        'no password on stdin: pipe one line, or run in a terminal',
      );
    return line.slice(0, passwordCharsMax);
  }
  const first = await ask(input, output, 'password: ');
  const again = await ask(input, output, 'the same password again: ');
  if (first !== again)
    throw new TillpointError('password_mismatch', 'the two passwords differ: nothing was created');
  return first;
}

async function firstLine(input: NodeJS.ReadStream): Promise<string | undefined> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return undefined;
}

function ask(input: NodeJS.ReadStream, output: NodeJS.WriteStream, prompt: string): Promise<string> {
  return new Promise((resolve) => {
    output.write(prompt);
    input.setRawMode(true);
    input.resume();
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          input.setRawMode(false);
          input.pause();
          input.off('data', onData);
          output.write('\n');
          resolve(typed);
          return;
        }
        if (char === '\u0003') process.exit(130); // Ctrl-C
        if (char === '\u007f') typed = typed.slice(0, -1);
        else if (typed.length < passwordCharsMax) typed += char;
      }
    };
    input.on('data', onData);
  });
}
