/**
 * A connection to an ESC/POS printer: raw TCP (port 9100), serial, or a device file. One
 * connection per job: `connect`, ask the status, `write` the job, `close`. Implementations map
 * their failures to `PrinterError` (`disconnected`, `open_failed`, `no_response`).
 */
export interface PrinterTransport {
  /** For logs: "tcp://10.0.0.7:9100", "serial:/dev/ttyUSB0@19200", "file:/dev/usb/lp0". */
  readonly description: string;
  /** Whether the device answers DLE EOT; a one-way device file does not. */
  readonly answersStatus: boolean;
  /** Opens the connection; nothing has been sent when this fails. Idempotent. */
  connect(): Promise<void>;
  /** Sends a real-time request and waits for `responseLength` bytes; `undefined` on timeout. */
  request(bytes: Uint8Array, responseLength: number, timeoutMs: number): Promise<Uint8Array | undefined>;
  /** Sends job bytes; resolves when the operating system accepted all of them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the connection (after the written bytes are flushed). Safe to call twice. */
  close(): Promise<void>;
}
