import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecoderOutput, FrameDecoder } from './frame-decoder';

/**
 * Test support shared by the decoder tests and the fuzz suite (not exported from the package):
 * feeds a stream in every way it can be cut.
 */
export function feed(decoder: FrameDecoder, chunks: readonly Uint8Array[], nowMs = 0): DecoderOutput[] {
  return chunks.flatMap((chunk) => decoder.push(chunk, nowMs));
}

/** The stream cut once at each byte boundary, plus one byte at a time. */
export function everySplit(bytes: Uint8Array): Uint8Array[][] {
  const splits: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  splits.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return splits;
}

/** Cuts a stream at the given (sorted, deduplicated) positions. */
export function cutAt(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(positions.map((p) => Math.min(bytes.length, Math.max(0, p))))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

export function frames(outputs: readonly DecoderOutput[]): string[] {
  return outputs.flatMap((o) => (o.kind === 'frame' ? [Buffer.from(o.bytes).toString('latin1')] : []));
}

export function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** The repo's device captures: `<vendor>-<model>-<mode>.hex` (one report per line) and its `.json`. */
export const capturesDir = fileURLToPath(new URL('../../../fixtures/scanners/', import.meta.url));

export function readHexCapture(name: string): Uint8Array[] {
  return readFileSync(`${capturesDir}${name}.hex`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => Uint8Array.from(Buffer.from(line.replace(/\s+/g, ''), 'hex')));
}

export function readCaptureMeta(name: string): { expected_payload_ascii_concatenated: string } {
  return JSON.parse(readFileSync(`${capturesDir}${name}.json`, 'utf8'));
}
