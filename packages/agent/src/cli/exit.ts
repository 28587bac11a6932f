/**
 * How a command line ends, for both CLIs: a closed pipe (`tillpoint openapi | head`) is a
 * normal end, an operating error (anything with a stable `code`: config, ledger, devices,
 * files) is one line naming what to fix and exit 2, and only a bug shows its stack.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}

export interface Failure {
  /** What to print, without a stack for an operating error. */
  text: string;
  exitCode: number;
}

/** Pure: the line(s) and exit code for an error that reached the top of a command. */
export function describeFailure(program: string, error: unknown): Failure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code !== '') {
    // Node's own errors repeat their code in the message ("ENOENT: no such file ...").
    const text = message.startsWith(`${code}:`) || message.startsWith(code) ? message : `${code}: ${message}`;
    return { text: `${program}: ${text}`, exitCode: 2 };
  }
  const stack = error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
  return {
    text: `${program}: unexpected error (a bug; please report it with what you ran): ${message}${stack}`,
    exitCode: 70,
  };
}

/** Prints the failure and ends the process with its code. */
export function failAndExit(program: string, error: unknown): never {
  const failure = describeFailure(program, error);
  console.error(failure.text);
  process.exit(failure.exitCode);
}
