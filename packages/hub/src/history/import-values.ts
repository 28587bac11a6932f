import type { ImportMapping } from './import-mapping';

/**
 * One field of an import row turned into a value (pure), or a reason a person can act on.
 * CSV gives text; JSON Lines may give numbers, arrays or null. No float reaches money or points:
 * money in major units is read digit by digit.
 */
export type Raw = JsonRow | CsvRow;

/** A JSON Lines object, its keys renamed to the import's field names. */
export type JsonRow = Record<string, unknown>;

/**
 * A CSV line's cells, read by field name through the header's columns (one map for the file):
 * building an object a row, its fields set by name, cost as much as splitting the line.
 */
export class CsvRow {
  constructor(
    readonly cells: readonly string[],
    readonly columns: ReadonlyMap<string, number>,
  ) {}
}

/** A row's field as the file gives it (undefined: no such column or key). */
export function fieldOf(raw: Raw, field: string): unknown {
  if (!(raw instanceof CsvRow)) return raw[field];
  const column = raw.columns.get(field);
  return column === undefined ? undefined : raw.cells[column];
}

export class RowProblem extends Error {}

const idPattern = /^[^\s"]{1,64}$/;
const timeWithOffset = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:\d{2})?$/;

function present(raw: Raw, field: string): unknown {
  const value = fieldOf(raw, field);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  return value;
}

function fail(field: string, what: string): never {
  throw new RowProblem(`${field}: ${what}`);
}

const shown = (value: unknown) => JSON.stringify(value).slice(0, 40);

export class RowReader {
  constructor(
    readonly raw: Raw,
    readonly mapping: ImportMapping,
  ) {}

  has(field: string): boolean {
    return present(this.raw, field) !== null;
  }

  /** An id (no spaces or quotes, 1-64 characters). */
  id(field: string): string {
    const value = this.optionalId(field);
    return value ?? fail(field, 'is missing');
  }

  optionalId(field: string): string | null {
    const value = present(this.raw, field);
    if (value === null) return null;
    const text = String(value).trim();
    if (!idPattern.test(text))
      fail(field, `${shown(value)} is not an id (1-64 characters, no spaces or quotes)`);
    return text;
  }

  /** Free text up to `max` characters (names). */
  text(field: string, max = 200): string | null {
    const value = present(this.raw, field);
    if (value === null) return null;
    const text = String(value).trim();
    if (text.length > max) fail(field, `longer than ${max} characters`);
    return text;
  }

  /** A whole number ≥ 0 (points, counts). */
  whole(field: string, fallback?: number): number {
    const value = present(this.raw, field);
    if (value === null) return fallback ?? fail(field, 'is missing');
    const text = String(value).trim();
    if (!/^\d{1,15}$/.test(text)) fail(field, `${shown(value)} is not a whole number ≥ 0`);
    return Number(text);
  }

  /** Money in minor units: integers, or decimals in major units when the mapping says so. */
  money(field: string, fallback?: number): number {
    const value = present(this.raw, field);
    if (value === null) return fallback ?? fail(field, 'is missing');
    const { money, currencyDigits, decimalSeparator } = this.mapping;
    const text = String(value).trim();
    if (money === 'minor') {
      if (!/^\d{1,15}$/.test(text)) fail(field, `${shown(value)} is not a whole number of minor units`);
      return Number(text);
    }
    const sep = decimalSeparator === ',' ? ',' : '\\.';
    const match = new RegExp(`^(\\d{1,13})(?:${sep}(\\d{0,${currencyDigits}}))?$`).exec(text);
    if (match === null)
      fail(field, `${shown(value)} is not an amount with at most ${currencyDigits} decimals`);
    const fraction = (match[2] ?? '').padEnd(currencyDigits, '0');
    return Number(match[1]) * 10 ** currencyDigits + (fraction === '' ? 0 : Number(fraction));
  }

  /** A quantity > 0 (weighed goods may be fractional), at most 1 000 000. */
  quantity(field: string, fallback?: number): number {
    const value = present(this.raw, field);
    if (value === null) return fallback ?? fail(field, 'is missing');
    const text = String(value).trim().replace(this.mapping.decimalSeparator, '.');
    if (!/^\d{1,7}(\.\d{1,6})?$/.test(text)) fail(field, `${shown(value)} is not a quantity`);
    const quantity = Number(text);
    if (quantity <= 0 || quantity > 1_000_000)
      fail(field, `${text} is not a quantity above 0 and at most 1000000`);
    return quantity;
  }

  /** A moment: Unix milliseconds, or ISO 8601 with an offset (or the mapping's `utcOffset`). */
  time(field: string): number {
    return this.optionalTime(field) ?? fail(field, 'is missing');
  }

  optionalTime(field: string): number | null {
    const value = present(this.raw, field);
    if (value === null) return null;
    const text = String(value).trim();
    if (/^\d{10,15}$/.test(text)) return Number(text);
    const match = timeWithOffset.exec(text);
    const offset = match?.[3] ?? this.mapping.utcOffset;
    if (match === null || offset === undefined)
      fail(
        field,
        `${shown(value)} is not a moment: write 2024-03-01T10:15:00+03:00 (or set utcOffset in the mapping)`,
      );
    const time = match[2] as string;
    const ms = Date.parse(`${match[1]}T${time.length === 5 ? `${time}:00` : time}${offset}`);
    if (!Number.isFinite(ms) || ms < 0) fail(field, `${shown(value)} is not a valid moment`);
    return ms;
  }

  /** A date `YYYY-MM-DD` (a birth date). */
  date(field: string): string | null {
    const value = present(this.raw, field);
    if (value === null) return null;
    const text = String(value).trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)))
      fail(field, `${shown(value)} is not a date YYYY-MM-DD`);
    return text;
  }

  /** A list: a JSON array, or one field split by the mapping's list separator. */
  list(field: string, max: number): string[] {
    const value = present(this.raw, field);
    if (value === null) return [];
    const items: string[] = [];
    for (const v of Array.isArray(value) ? value : String(value).split(this.mapping.listSeparator)) {
      const item = String(v).trim();
      if (item !== '' || Array.isArray(value)) items.push(item);
    }
    if (items.length > max) fail(field, `more than ${max} items`);
    for (const item of items)
      if (!idPattern.test(item)) fail(field, `${shown(item)} is not an id (1-64 characters, no spaces)`);
    return items;
  }

  /** One of `values` (after the mapping's own names for them, when given). */
  choice<T extends string>(field: string, values: readonly T[], rename: Record<string, T> = {}): T | null {
    const value = present(this.raw, field);
    if (value === null) return null;
    const text = String(value).trim();
    const mapped = rename[text] ?? text;
    if (!(values as readonly string[]).includes(mapped))
      fail(field, `${shown(value)} is not one of ${values.join(', ')}`);
    return mapped as T;
  }
}
