import { maskedPhone } from '@tillpoint/protocol';

/**
 * Head office's way of texting a buyer (one-time codes). Pluggable: a real SMS provider
 * implements `send`; the hub ships `LogSmsGateway` (the default: the text goes to the hub's
 * log, for a pilot whose operator reads codes out) and `MemorySmsGateway` (tests).
 */
export interface SmsGateway {
  /** Sends `text` to the E.164 `phone`; throws `SmsGatewayError` when the provider refused or is away. */
  send(phone: string, text: string): Promise<void>;
}

export class SmsGatewayError extends Error {
  readonly code = 'sms_failed';
}

/**
 * The default gateway: writes the message to the log (phone masked) instead of sending it.
 * Only for pilots and demos: anyone who reads the hub's log reads the codes.
 */
export class LogSmsGateway implements SmsGateway {
  constructor(private readonly say: (line: string) => void) {}

  async send(phone: string, text: string): Promise<void> {
    this.say(`SMS to ${maskedPhone(phone)} (log-only gateway): ${text}`);
  }
}

/** A test double: keeps what it was asked to send; `failing` makes it refuse. */
export class MemorySmsGateway implements SmsGateway {
  readonly sent: { phone: string; text: string }[] = [];
  failing = false;

  async send(phone: string, text: string): Promise<void> {
    if (this.failing) throw new SmsGatewayError('the SMS provider refused the message');
    this.sent.push({ phone, text });
  }

  /** The six digits of the last message to `phone`. */
  lastCode(phone: string): string | undefined {
    const last = this.sent.filter((m) => m.phone === phone).at(-1);
    return last === undefined ? undefined : /\b(\d{6})\b/.exec(last.text)?.[1];
  }
}
