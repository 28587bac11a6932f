import type { ScannerBinding } from '@tillpoint/scanner';
import type { Logger } from 'pino';
import type { AgentEvents } from './events';

/** The cause of a failure as a short line for the log: no stack (an unplugged scanner is an operating event). */
function causeText(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const own = error instanceof Error ? error.message : String(error);
  return cause instanceof Error && !own.includes(cause.message) ? `${own} (${cause.message})` : own;
}

/**
 * Carries a scanner's state changes and errors to the log and the event stream, and opens,
 * claims and enables it, retrying in the background while it is not there. The log gets one
 * line per change of state or of failure, never one per retry, and never a stack trace.
 */
export async function watchScanner(
  scanner: ScannerBinding,
  logger: Logger,
  events: AgentEvents,
  agentStopped: () => boolean,
): Promise<void> {
  let lastProblem: string | undefined;
  scanner.on('state', (s) => {
    events.publish('device', { ...s });
    logger.info(
      { code: `scanner_${s.power}`, deviceId: s.deviceId, lifecycle: s.lifecycle },
      `scanner ${s.deviceId}: ${s.power}${s.reason ? ` (${s.reason})` : ''}`,
    );
  });
  scanner.on('error', (e) => {
    logger.warn({ code: e.code, deviceId: scanner.deviceId }, `scanner: ${causeText(e)}`);
    events.publish('device', { deviceId: scanner.deviceId, error: e.code, message: e.message });
  });

  let delayMs = 500;
  const attempt = async (): Promise<boolean> => {
    try {
      if (scanner.lifecycle === 'closed') await scanner.open();
      if (scanner.lifecycle === 'open') await scanner.claim();
      if (scanner.lifecycle === 'claimed') await scanner.enable();
      if (lastProblem !== undefined)
        logger.info(
          { code: 'scanner_ready', deviceId: scanner.deviceId },
          `scanner ${scanner.deviceId} ready`,
        );
      lastProblem = undefined;
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'open_failed';
      const message = causeText(error);
      if (`${code} ${message}` !== lastProblem) {
        logger.warn(
          { code, deviceId: scanner.deviceId },
          `scanner ${scanner.deviceId} not ready (${message}); retrying quietly until it is`,
        );
        events.publish('device', { deviceId: scanner.deviceId, error: code, message });
      }
      lastProblem = `${code} ${message}`;
      return false;
    }
  };
  if (await attempt()) return;
  const retry = async () => {
    if (agentStopped() || (await attempt())) return;
    delayMs = Math.min(delayMs * 2, 30_000);
    setTimeout(retry, delayMs).unref();
  };
  setTimeout(retry, delayMs).unref();
}
