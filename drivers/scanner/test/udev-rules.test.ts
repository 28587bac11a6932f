import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scannerVendorIds } from '../src/index';

const rules = readFileSync(new URL('../udev/99-tillpoint-scanners.rules', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));

describe('udev rules', () => {
  it('are well-formed: comma-separated KEY==value / KEY=value pairs', () => {
    for (const rule of rules) {
      for (const pair of rule.split(/,\s*/))
        expect(pair).toMatch(/^[A-Z_]+(\{[A-Za-z_]+\})?(==|\+=|=)"[^"]*"$/);
    }
  });

  it('cover every vendor listDevices marks as a scanner maker: hidraw access, hidden keystrokes, serial access', () => {
    for (const vendorId of scannerVendorIds.keys()) {
      const id = vendorId.toString(16).padStart(4, '0');
      const forVendor = rules.filter((r) => r.includes(`ATTRS{idVendor}=="${id}"`));
      expect(forVendor.some((r) => r.includes('SUBSYSTEM=="hidraw"') && r.includes('MODE="0660"'))).toBe(
        true,
      );
      expect(
        forVendor.some(
          (r) => r.includes('SUBSYSTEM=="input"') && r.includes('ENV{LIBINPUT_IGNORE_DEVICE}="1"'),
        ),
      ).toBe(true);
      expect(forVendor.some((r) => r.includes('SUBSYSTEM=="tty"'))).toBe(true);
    }
  });
});
