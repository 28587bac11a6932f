import { describe, expect, it } from 'vitest';
import { HidKeyboardDecoder, type HidKeyboardDecoderOptions } from './hid-keyboard-decoder';
import { buildKeyboardReports, concatBytes } from './report-builders';
import { everySplit, feed, frames } from './test-support';

const make = (options: Partial<HidKeyboardDecoderOptions> = {}) =>
  new HidKeyboardDecoder({
    layout: 'us',
    suffix: 'enter-or-tab',
    idleTimeoutMs: 100,
    labelCharsMax: 64,
    ...options,
  });

/** A report from its parts: modifiers and up to six keys. */
const report = (modifiers: number, ...keys: number[]) =>
  Uint8Array.from([modifiers, 0, ...keys, 0, 0, 0, 0, 0, 0].slice(0, 8));

describe('HidKeyboardDecoder', () => {
  it('types digits, Shift letters and ends on Enter, at every byte boundary', () => {
    const stream = concatBytes(buildKeyboardReports('Card-4006381333931'));
    for (const chunks of everySplit(stream)) {
      expect(frames(feed(make(), chunks))).toEqual(['Card-4006381333931']);
    }
  });

  it('needs a key-up report between repeated characters; a held key types once', () => {
    const key1 = 0x1e;
    const up = report(0);
    expect(frames(feed(make(), [report(0, key1), up, report(0, key1), up, report(0, 0x28)]))).toEqual(['11']);
    expect(frames(feed(make(), [report(0, key1), report(0, key1), up, report(0, 0x28)]))).toEqual(['1']);
  });

  it('types two new keys of one report in order, and ignores roll-over error reports', () => {
    const out = feed(make(), [
      report(0, 0x04, 0x05),
      report(0, 1, 1, 1, 1, 1, 1),
      report(0),
      report(0, 0x28),
    ]);
    expect(frames(out)).toEqual(['ab']);
  });

  it('ends on Tab when configured and types Tab otherwise', () => {
    const reports = buildKeyboardReports('12', { suffix: 'tab' });
    expect(frames(feed(make({ suffix: 'tab' }), reports))).toEqual(['12']);
    const typed = feed(make({ suffix: 'enter' }), [...reports, ...buildKeyboardReports('')]);
    expect(frames(typed)).toEqual(['12\t']);
  });

  it('reads Ctrl+] as GS, as scanners send the GS1 separator', () => {
    const out = feed(make(), [report(0x01, 0x30), report(0), ...buildKeyboardReports('21')]);
    expect(frames(out)).toEqual(['\x1d21']);
  });

  it('maps key codes by layout: a German-programmed scanner swaps y and z', () => {
    const reports = buildKeyboardReports('Zy', { layout: 'de' });
    expect(frames(feed(make({ layout: 'de' }), reports))).toEqual(['Zy']);
    expect(frames(feed(make({ layout: 'us' }), reports))).toEqual(['Yz']);
  });

  it('reads AZERTY digits, which a French-programmed scanner sends with Shift', () => {
    const reports = buildKeyboardReports('4006381333931', { layout: 'fr' });
    expect(reports[0]?.[0]).toBe(0x02);
    expect(frames(feed(make({ layout: 'fr' }), reports))).toEqual(['4006381333931']);
    expect(frames(feed(make({ layout: 'us' }), reports))).toEqual(['$))^#*!###(#!']);
  });

  it('ends a label on silence when the scanner sends no suffix', () => {
    const decoder = make({ suffix: 'none', idleTimeoutMs: 40 });
    expect(feed(decoder, buildKeyboardReports('123', { suffix: 'none' }), 1000)).toEqual([]);
    expect(frames(decoder.poll(1040))).toEqual(['123']);
  });

  it('reads reports numbered with a report id', () => {
    const reports = buildKeyboardReports('42').map((r) => Uint8Array.from([1, ...r]));
    expect(frames(feed(make({ reportId: 1 }), reports))).toEqual(['42']);
  });

  it('drops an overlong label once and stays bounded', () => {
    const decoder = make({ labelCharsMax: 4 });
    const out = feed(decoder, buildKeyboardReports('123456789'));
    expect(out).toEqual([expect.objectContaining({ kind: 'fault' })]);
    expect(decoder.bufferedBytes()).toBe(0);
  });
});
