import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

export interface PtyPrinter {
  /** The folder holding the pair; `${dir}/till` is the end the transport under test opens. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A printer simulated on the far end of a socat pseudo-terminal pair: every chunk the till
 * side writes goes to `answer`, and what it returns (status bytes) is written back.
 */
export async function startPtyPrinter(
  prefix: string,
  answer: (data: Buffer) => Uint8Array,
): Promise<PtyPrinter> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const socat = spawn('socat', [`pty,raw,echo=0,link=${dir}/till`, `pty,raw,echo=0,link=${dir}/printer`], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 5000;
  while (!(existsSync(`${dir}/till`) && existsSync(`${dir}/printer`))) {
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const port = new SerialPort({ path: `${dir}/printer`, baudRate: 19200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  port.on('data', (data: Buffer) => {
    const reply = answer(data);
    if (reply.length > 0) port.write(Buffer.from(reply));
  });
  return {
    dir,
    async stop() {
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
      socat.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
