/**
 * Rows in PostgreSQL's COPY text format (pure): tab-separated, `\N` for null, backslash, tab,
 * newline and carriage return escaped. What `COPY ... FROM STDIN` reads back as the same values.
 */
export type CopyValue = string | number | boolean | null;

const special = /[\\\t\n\r]/;

export function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (!special.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  );
}

export function copyLine(values: readonly CopyValue[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : '\t') + copyField(values[i] as CopyValue);
  return `${out}\n`;
}

const encoder = new TextEncoder();

/**
 * Rows encoded as UTF-8 into parts of `bytes` each as they are added (a COPY stream takes large
 * writes best). Only the bytes are kept: the rows' text dies young, where a chunk's text kept
 * as strings until the end was copied by every young-generation collection and then promoted.
 * A row may run on from one part to the next: the parts are one stream.
 */
export class CopyBuffer {
  readonly #parts: Uint8Array[] = [];
  /** The part being filled (none until the first row). */
  #current = new Uint8Array(0);
  #used = 0;
  rows = 0;

  constructor(readonly bytes = 1 << 20) {}

  add(values: readonly CopyValue[]): void {
    let rest = copyLine(values);
    this.rows += 1;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.#current.subarray(this.#used));
      this.#used += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      if (this.#used > 0) this.#parts.push(this.#current.subarray(0, this.#used));
      this.#current = new Uint8Array(this.bytes);
      this.#used = 0;
    }
  }

  /** The parts, each on a buffer of its own (transferable to another thread). */
  done(): Uint8Array[] {
    if (this.#used > 0) this.#parts.push(this.#current.subarray(0, this.#used));
    this.#current = new Uint8Array(0);
    this.#used = 0;
    return this.#parts;
  }
}
