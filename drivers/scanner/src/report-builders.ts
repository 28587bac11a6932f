import { assert } from '@tillpoint/core';
import { bootReportBytes } from './hid-keyboard-decoder';
import { type HidPosLayout, honeywellHidPosLayout } from './hid-pos-decoder';
import { charToKey, type KeyboardLayout, keyEnter, keyTab } from './keyboard-layouts';

/**
 * The reports a scanner sends for a label, built from the report layouts: for tests, the
 * benchmark and demos (no USB device needed). Each report is one Uint8Array.
 */
export function buildHidPosReports(
  data: Uint8Array,
  aim: string,
  layout: HidPosLayout = honeywellHidPosLayout,
  codeId = 0,
): Uint8Array[] {
  assert(aim.length === 3, 'an AIM id has 3 characters');
  const trailerStart = Math.min(
    layout.flagsOffset,
    layout.codeIdOffset < 0 ? layout.reportBytes : layout.codeIdOffset,
  );
  const perReport = trailerStart - layout.dataOffset;
  const reports: Uint8Array[] = [];
  for (let at = 0; at === 0 || at < data.length; at += perReport) {
    const part = data.subarray(at, at + perReport);
    const report = new Uint8Array(layout.reportBytes);
    report[0] = layout.reportId;
    report[layout.lengthOffset] = part.length;
    for (let i = 0; i < 3; i++) report[layout.aimOffset + i] = aim.charCodeAt(i);
    report.set(part, layout.dataOffset);
    if (layout.codeIdOffset >= 0) report[layout.codeIdOffset] = codeId;
    if (at + perReport < data.length) report[layout.flagsOffset] = layout.moreFlagMask;
    reports.push(report);
  }
  return reports;
}

export interface KeyboardReportOptions {
  layout?: KeyboardLayout;
  suffix?: 'enter' | 'tab' | 'none';
}

/** Key-down then key-up reports for every character, as a keyboard-mode scanner types a label. */
export function buildKeyboardReports(text: string, options: KeyboardReportOptions = {}): Uint8Array[] {
  const layout = options.layout ?? 'us';
  const reports: Uint8Array[] = [];
  const press = (keyCode: number, modifiers: number) => {
    const down = new Uint8Array(bootReportBytes);
    down[0] = modifiers;
    down[2] = keyCode;
    reports.push(down, new Uint8Array(bootReportBytes));
  };
  for (const char of text) {
    const key = charToKey(layout, char);
    assert(key !== undefined, `layout ${layout} cannot type ${JSON.stringify(char)}`);
    press(key.keyCode, key.modifiers);
  }
  if (options.suffix === 'enter' || options.suffix === undefined) press(keyEnter, 0);
  if (options.suffix === 'tab') press(keyTab, 0);
  return reports;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
