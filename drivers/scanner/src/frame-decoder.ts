/**
 * What every decoder stage yields. Decoders are pure state machines: bytes and the time in,
 * frames and faults out; they never throw on bad input and never hold more than their bound.
 */
export interface DecodedFrame {
  kind: 'frame';
  /** The label bytes as the scanner sent them, transport framing (suffix, report headers) removed. */
  bytes: Uint8Array;
  /** An AIM id the transport carried beside the data (HID POS), if any. */
  aim?: string;
  /** A vendor code id carried beside the data (Honeywell HID POS), if any. */
  codeId?: number;
}

export interface DecodeFault {
  kind: 'fault';
  code: 'bad_frame';
  message: string;
}

export type DecoderOutput = DecodedFrame | DecodeFault;

export interface FrameDecoder {
  /** Feeds bytes as they arrive, in chunks of any size. */
  push(chunk: Uint8Array, nowMs: number): DecoderOutput[];
  /** Called when the time from `deadlineMs()` has come: ends or drops a frame cut short by silence. */
  poll(nowMs: number): DecoderOutput[];
  /** When `poll` has work to do, or undefined when nothing is pending. */
  deadlineMs(): number | undefined;
  /** Forgets any partial frame (after a disconnect or a disable). */
  reset(): void;
  /** Bytes held for a partial frame: always at most the decoder's bound. */
  bufferedBytes(): number;
}

export function fault(message: string): DecodeFault {
  return { kind: 'fault', code: 'bad_frame', message };
}
