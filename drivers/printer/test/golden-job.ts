import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A receipt golden file from `fixtures/receipts/` as the bytes a till would send. */
export function goldenJob(name = 'ru-48-tm-t20ii-native-qr'): Uint8Array {
  const hex = readFileSync(
    resolve(import.meta.dirname, `../../../fixtures/receipts/${name}.escpos.hex`),
    'utf8',
  );
  return Uint8Array.from(
    hex.split(/\s+/).filter((p) => p.length > 0),
    (p) => Number.parseInt(p, 16),
  );
}
