import type { CardMatch } from './card-range';
import type { Symbology } from './symbology';

/** One label read by a scanner: what the agent puts on its event stream. */
export interface ScanEvent {
  /** The label as printable text (control bytes such as GS shown as `<GS>`). */
  code: string;
  /** The label's exact bytes: prefix, AIM id and suffix removed, everything else kept. */
  raw: Uint8Array;
  symbology: Symbology;
  /** The AIM symbology id the scanner sent, e.g. `]E0`. */
  aim?: string;
  deviceId: string;
  /** When the label was complete, in ms since the epoch (from the injected clock). */
  at: number;
  /** Set when the code falls in a configured card range (with a good or a bad check digit). */
  card?: CardMatch;
}
