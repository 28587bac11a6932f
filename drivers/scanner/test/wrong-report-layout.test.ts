import { afterEach, describe, expect, it } from 'vitest';
import { sendsHidPosMessage } from '../src/hid-keyboard-decoder';
import { sendsKeyboardMessage } from '../src/hid-pos-decoder';
import {
  buildKeyboardReports,
  concatBytes,
  createScanner,
  HidKeyboardDecoder,
  HidPosDecoder,
  honeywellHidPosLayout,
  MockHidApi,
  type ScanEvent,
  type ScannerBinding,
} from '../src/index';
import type { ScannerError } from '../src/scanner-error';
import { readHexCapture } from '../src/test-support';

/**
 * A scanner on the other HID report layout than its config says must be a setup error the
 * store IT person can act on, never a stream of wrong codes. The HID POS side is a real
 * capture (Honeywell Voyager 1602g, fixtures/scanners); no keyboard-mode capture is published,
 * so that side uses the boot-keyboard reports the HID spec defines (built by report-builders).
 */
const capture = readHexCapture('honeywell-voyager-1602g-hidpos');
const voyagerPos = {
  vendorId: 0x0c2e,
  productId: 0x0b87,
  release: 1,
  interface: 0,
  usagePage: 0x8c,
  usage: 2,
};
const voyagerKeyboard = { ...voyagerPos, usagePage: 0x01, usage: 6 };

let scanner: ScannerBinding | undefined;
afterEach(async () => {
  await scanner?.close();
  scanner = undefined;
});

describe('a scanner on the wrong HID report layout', () => {
  it('configured as a keyboard, sending HID POS reports: one setup error per scan, no codes', () => {
    const decoder = new HidKeyboardDecoder({
      layout: 'us',
      suffix: 'enter',
      idleTimeoutMs: 100,
      labelCharsMax: 512,
    });
    // As hidraw delivers them: one 64-byte report per read, the first label's six in one burst.
    const first = capture.slice(0, 6).flatMap((report) => decoder.push(report, 1_000));
    expect(first).toEqual([{ kind: 'fault', code: 'bad_frame', message: sendsHidPosMessage }]);
    // The next scan, seconds later, says it again; still no code typed from its bytes.
    const second = decoder.push(capture[6] as Uint8Array, 5_000);
    expect(second).toEqual([{ kind: 'fault', code: 'bad_frame', message: sendsHidPosMessage }]);
    expect(decoder.poll(60_000)).toEqual([]);
    // The same bytes in one chunk, and cut at any byte: the same answer.
    const whole = new HidKeyboardDecoder({
      layout: 'us',
      suffix: 'enter',
      idleTimeoutMs: 100,
      labelCharsMax: 512,
    });
    const all = concatBytes(capture.slice(0, 6));
    for (const cut of [1, 7, 8, 63, 64, 65, 200]) {
      const d = new HidKeyboardDecoder({
        layout: 'us',
        suffix: 'enter',
        idleTimeoutMs: 100,
        labelCharsMax: 512,
      });
      const out = [...d.push(all.subarray(0, cut), 1_000), ...d.push(all.subarray(cut), 1_000)];
      expect(
        out.filter((o) => o.kind === 'frame'),
        `cut at ${cut}`,
      ).toEqual([]);
    }
    expect(whole.push(all, 1_000)).toEqual([
      { kind: 'fault', code: 'bad_frame', message: sendsHidPosMessage },
    ]);
  });

  it('configured for HID POS, sending keyboard reports: a setup error, no codes', () => {
    const decoder = new HidPosDecoder({
      layout: honeywellHidPosLayout,
      labelBytesMax: 512,
      idleTimeoutMs: 100,
    });
    const reports = buildKeyboardReports('2000000000015');
    const out = reports.flatMap((report) => decoder.push(report, 1_000));
    expect(out).toEqual([{ kind: 'fault', code: 'bad_frame', message: sendsKeyboardMessage }]);
    // Shift held (modifier 0x02, the HID POS report id) does not fool it either.
    const shifted = buildKeyboardReports('CARD-42');
    const again = shifted.flatMap((report) => decoder.push(report, 9_000));
    expect(again.filter((o) => o.kind === 'frame')).toEqual([]);
    expect(again).toContainEqual({ kind: 'fault', code: 'bad_frame', message: sendsKeyboardMessage });
  });

  it('still reads the right layout: the capture as HID POS, keystrokes as a keyboard', () => {
    const pos = new HidPosDecoder({ layout: honeywellHidPosLayout, labelBytesMax: 512, idleTimeoutMs: 100 });
    expect(capture.flatMap((r) => pos.push(r, 1_000)).map((o) => o.kind)).toEqual(['frame', 'frame']);
    const keyboard = new HidKeyboardDecoder({
      layout: 'us',
      suffix: 'enter',
      idleTimeoutMs: 100,
      labelCharsMax: 64,
    });
    const out = buildKeyboardReports('CARD-42').flatMap((r) => keyboard.push(r, 1_000));
    expect(
      out.map((o) => (o.kind === 'frame' ? Buffer.from(o.bytes).toString('latin1') : o.message)),
    ).toEqual(['CARD-42']);
  });

  it('reaches the agent as a bad_frame error from the scanner binding, naming the fix', async () => {
    const hid = new MockHidApi();
    hid.plug({ ...voyagerKeyboard, path: '/dev/hidraw0' });
    scanner = createScanner({ kind: 'hid-keyboard', vendorId: 0x0c2e }, { hid });
    const scans: ScanEvent[] = [];
    const errors: ScannerError[] = [];
    scanner.on('scan', (s) => scans.push(s));
    scanner.on('error', (e) => errors.push(e as ScannerError));
    await scanner.open();
    await scanner.claim();
    await scanner.enable();
    for (const report of capture) hid.current()?.feed(report);
    expect(scans).toEqual([]);
    expect(errors.map((e) => [e.code, e.message])).toEqual([['bad_frame', sendsHidPosMessage]]);
  });
});
