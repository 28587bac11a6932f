import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeviceFilePrinter } from './device-file-printer';
import { createTransport, printerConfigSchema } from './printer-config';
import { SerialPrinter } from './serial-printer';
import { TcpPrinter } from './tcp-printer';

describe('printerConfigSchema', () => {
  it('builds the transport the config names, with defaults', () => {
    const tcp = printerConfigSchema.parse({
      transport: 'tcp',
      host: '10.0.0.7',
      profile: 'TM-T20II',
      columns: 48,
    });
    expect(tcp).toMatchObject({ port: 9100 });
    expect(createTransport(tcp)).toBeInstanceOf(TcpPrinter);
    expect(createTransport(tcp).description).toBe('tcp://10.0.0.7:9100');
    const serial = printerConfigSchema.parse({
      transport: 'serial',
      path: '/dev/ttyUSB0',
      profile: 'RP326',
      columns: 32,
    });
    expect(createTransport(serial)).toBeInstanceOf(SerialPrinter);
    expect(createTransport(serial).description).toBe('serial:/dev/ttyUSB0@19200');
    const file = printerConfigSchema.parse({
      transport: 'file',
      path: '/dev/usb/lp0',
      profile: 'POS-5890',
      columns: 32,
      status: 'none',
    });
    expect(createTransport(file)).toBeInstanceOf(DeviceFilePrinter);
    expect(createTransport(file).answersStatus).toBe(false);
  });

  it('says what to fix in a bad config', () => {
    const result = printerConfigSchema.safeParse({
      transport: 'file',
      path: 'lp0',
      profile: 'X',
      columns: 40,
    });
    expect(result.success).toBe(false);
    const text = result.success ? '' : z.prettifyError(result.error);
    expect(text).toMatch(/absolute device path/);
    expect(text).toMatch(/columns/);
    expect(
      printerConfigSchema.safeParse({ transport: 'usb', path: '/dev/x', profile: 'X', columns: 32 }).success,
    ).toBe(false);
  });
});
