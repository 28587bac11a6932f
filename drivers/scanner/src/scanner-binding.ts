import type { ScanEvent } from './scan-event';
import type { ScannerError } from './scanner-error';

/**
 * The device model, after UnifiedPOS: `open` takes the configuration, `claim` takes the
 * device for this process, `enable` starts delivering scans; `disable`, `release`, `close`
 * undo them in reverse. Power says whether the hardware is there right now: an unplugged
 * scanner stays claimed (and reconnects by itself) while its power is `offline`.
 */
export type ScannerLifecycle = 'closed' | 'open' | 'claimed' | 'enabled';
export type ScannerPower = 'unknown' | 'online' | 'offline';

export interface ScannerStateChange {
  deviceId: string;
  lifecycle: ScannerLifecycle;
  power: ScannerPower;
  at: number;
  /** Why it changed, for people: "unplugged", "reconnected after 3 attempts". */
  reason?: string;
}

export interface ScannerEvents {
  scan: [ScanEvent];
  /**
   * Failures with a `code`: `disconnected`, `bad_frame`, ... Emitted only while someone
   * listens, so an unobserved scanner never crashes the process with an unhandled 'error'.
   */
  error: [ScannerError];
  state: [ScannerStateChange];
}

/** One interface for every kind of scanner. Implementations: serial, HID POS, HID keyboard, mock. */
export interface ScannerBinding {
  readonly deviceId: string;
  readonly lifecycle: ScannerLifecycle;
  readonly power: ScannerPower;
  open(): Promise<void>;
  /** Takes the device; throws `ScannerError` (`not_found`, `permission_denied`, `open_failed`). */
  claim(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  release(): Promise<void>;
  /** Releases if needed; safe to call twice. */
  close(): Promise<void>;
  on<E extends keyof ScannerEvents>(event: E, listener: (...args: ScannerEvents[E]) => void): this;
  off<E extends keyof ScannerEvents>(event: E, listener: (...args: ScannerEvents[E]) => void): this;
}
