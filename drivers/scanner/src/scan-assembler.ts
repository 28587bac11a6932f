import { type CardRange, classifyCode } from './card-range';
import { Debouncer } from './debouncer';
import type { DecodedFrame } from './frame-decoder';
import { type LabelOptions, parseLabel, printableLabel } from './label';
import type { ScanEvent } from './scan-event';

export interface ScanAssemblerOptions {
  deviceId: string;
  label: LabelOptions;
  /** false: deliver the frame untouched (no prefix or AIM parsing), as UnifiedPOS DecodeData=false. */
  decodeData: boolean;
  debounceMs: number;
  cardRanges: readonly CardRange[];
}

/** The last pure stage: a decoded frame becomes a `ScanEvent`, or nothing when debounced. */
export class ScanAssembler {
  private readonly options: ScanAssemblerOptions;
  private readonly debouncer: Debouncer;

  constructor(options: ScanAssemblerOptions) {
    this.options = options;
    this.debouncer = new Debouncer(options.debounceMs);
  }

  assemble(frame: DecodedFrame, atMs: number): ScanEvent | undefined {
    if (this.debouncer.isRepeat(frame.bytes, atMs)) return undefined;
    const { deviceId, decodeData } = this.options;
    if (!decodeData) {
      return {
        code: printableLabel(frame.bytes),
        raw: frame.bytes,
        symbology: 'unknown',
        deviceId,
        at: atMs,
      };
    }
    const carried: { aim?: string; codeId?: number } = {};
    if (frame.aim !== undefined) carried.aim = frame.aim;
    if (frame.codeId !== undefined) carried.codeId = frame.codeId;
    const label = parseLabel(frame.bytes, this.options.label, carried);
    const code = printableLabel(label.data);
    const event: ScanEvent = { code, raw: label.data, symbology: label.symbology, deviceId, at: atMs };
    if (label.aim !== undefined) event.aim = label.aim;
    const cls = classifyCode(code, this.options.cardRanges);
    if (cls.kind !== 'product') event.card = cls;
    return event;
  }

  reset(): void {
    this.debouncer.reset();
  }
}
