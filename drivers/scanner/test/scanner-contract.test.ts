import { afterEach, describe, expect, it } from 'vitest';
import {
  type CardRange,
  cardRangeSchema,
  gs1CheckDigit,
  type ScanEvent,
  ScannerError,
  type ScannerStateChange,
} from '../src/index';
import {
  hidKeyboardRig,
  hidPosRig,
  mockRig,
  nextEvent,
  type Rig,
  type RigFactory,
  serialRig,
  settle,
} from './rigs';

/** One contract, run against every `ScannerBinding` implementation. */
const rigs: RigFactory[] = [mockRig, serialRig, hidPosRig, hidKeyboardRig];

const ranges: CardRange[] = [
  cardRangeSchema.parse({ name: 'club', prefix: '2990', length: 13, check: 'ean13' }),
];
const card = `299000012345${gs1CheckDigit('299000012345')}`;
const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

describe.each(rigs)('ScannerBinding contract: $name', (factory) => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  async function enabled(): Promise<Rig> {
    rig = await factory.create(ranges);
    await rig.scanner.open();
    await rig.scanner.claim();
    await rig.scanner.enable();
    return rig;
  }

  it('walks the lifecycle and reports each state', async () => {
    rig = await factory.create(ranges);
    const { scanner } = rig;
    const states: ScannerStateChange[] = [];
    scanner.on('state', (s) => states.push(s));
    expect(scanner.lifecycle).toBe('closed');
    await scanner.open();
    await scanner.claim();
    expect(scanner.power).toBe('online');
    await scanner.enable();
    await scanner.disable();
    await scanner.release();
    await scanner.close();
    await scanner.close();
    expect(states.map((s) => `${s.lifecycle}/${s.power}`)).toEqual([
      'open/unknown',
      'claimed/online',
      'enabled/online',
      'claimed/online',
      'open/unknown',
      'closed/unknown',
    ]);
    expect(states.every((s) => s.deviceId === scanner.deviceId)).toBe(true);
  });

  it('refuses steps out of order with illegal_state', async () => {
    rig = await factory.create(ranges);
    const { scanner } = rig;
    await expect(scanner.claim()).rejects.toMatchObject({ code: 'illegal_state' });
    await scanner.open();
    await expect(scanner.enable()).rejects.toBeInstanceOf(ScannerError);
    await expect(scanner.open()).rejects.toMatchObject({ code: 'illegal_state' });
  });

  it('delivers a scan with its code, exact raw bytes, symbology and card match', async () => {
    const { scanner, send } = await enabled();
    const productScan = nextEvent(scanner, 'scan');
    await send(bytes('010460406000011521ABC\x1d93XYZ'), ']d2');
    const product = (await productScan) as ScanEvent;
    expect(product).toMatchObject({
      code: '010460406000011521ABC<GS>93XYZ',
      symbology: 'gs1-datamatrix',
      aim: ']d2',
    });
    expect(Buffer.from(product.raw).toString('latin1')).toBe('010460406000011521ABC\x1d93XYZ');
    expect(product.deviceId).toBe(scanner.deviceId);
    expect(product.card).toBeUndefined();

    const cardScan = nextEvent(scanner, 'scan');
    await send(bytes(card), ']E0');
    expect(await cardScan).toMatchObject({
      code: card,
      symbology: 'ean13',
      card: { kind: 'card', range: ranges[0] },
    });
  });

  it('delivers nothing while claimed but disabled', async () => {
    const { scanner, send } = await enabled();
    await scanner.disable();
    const seen: ScanEvent[] = [];
    scanner.on('scan', (s) => seen.push(s));
    await send(bytes('4006381333931'), ']E0');
    await settle(50);
    expect(seen).toEqual([]);
    await scanner.enable();
    const next = nextEvent(scanner, 'scan');
    await send(bytes('96385074'), ']E4');
    expect(await next).toMatchObject({ code: '96385074', symbology: 'ean8' });
  });

  it('fails to claim an absent device with not_found and stays open', async () => {
    rig = await factory.create(ranges);
    await rig.unplug();
    await rig.scanner.open();
    await expect(rig.scanner.claim()).rejects.toMatchObject({ code: 'not_found' });
    expect(rig.scanner.lifecycle).toBe('open');
  });

  it('survives an unplug: disconnected error, offline, then online again and scanning', async () => {
    const { scanner, send, unplug, replug } = await enabled();
    const errors: ScannerError[] = [];
    scanner.on('error', (e) => errors.push(e));
    const offline = nextEvent(scanner, 'state', 3000, (s) => s.power === 'offline');
    await unplug();
    expect(await offline).toMatchObject({ lifecycle: 'enabled', power: 'offline' });
    expect(errors.map((e) => e.code)).toEqual(['disconnected']);
    await settle(60); // a few reconnect attempts fail while it is away
    const online = nextEvent(scanner, 'state', 3000, (s) => s.power === 'online');
    await replug();
    expect(await online).toMatchObject({ lifecycle: 'enabled', power: 'online' });
    const next = nextEvent(scanner, 'scan');
    await send(bytes(card), ']E0');
    expect(await next).toMatchObject({ code: card });
  });

  it('stops reconnecting once released', async () => {
    const { scanner, unplug, replug } = await enabled();
    scanner.on('error', () => {});
    const offline = nextEvent(scanner, 'state', 3000, (s) => s.power === 'offline');
    await unplug();
    await offline;
    await scanner.release();
    const states: ScannerStateChange[] = [];
    scanner.on('state', (s) => states.push(s));
    await replug();
    await settle(150);
    expect(states).toEqual([]);
    expect(scanner.lifecycle).toBe('open');
  });
});
