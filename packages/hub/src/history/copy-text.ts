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

/** Lines gathered into buffers of about `bytes` each (a COPY stream takes large writes best). */
export class CopyBuffer {
  readonly parts: string[] = [];
  #current = '';
  rows = 0;

  constructor(readonly bytes = 1 << 20) {}

  add(values: readonly CopyValue[]): void {
    this.#current += copyLine(values);
    this.rows += 1;
    if (this.#current.length >= this.bytes) {
      this.parts.push(this.#current);
      this.#current = '';
    }
  }

  done(): string[] {
    if (this.#current !== '') this.parts.push(this.#current);
    this.#current = '';
    return this.parts;
  }
}
