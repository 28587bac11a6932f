import { readFileSync } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { z } from 'zod';

/**
 * The import's file conventions (packages/hub/README.md, "File format") and the mapping file that adapts another
 * vendor's export to them: its column names, its separator, money in major units with a decimal
 * comma, local times at a fixed offset. One zod schema; the defaults are Tillpoint's own format.
 */
export const importKinds = ['cards', 'balances', 'sales', 'returns'] as const;
export type ImportKind = (typeof importKinds)[number];

/** The fields of each kind, in Tillpoint's own names (CSV header names and JSON Lines keys). */
export const importFields = {
  cards: [
    'card_id',
    'status',
    'enrolled_at',
    'consent_at',
    'phone',
    'name',
    'birth_date',
    'groups',
    'referred_by',
  ],
  balances: ['card_id', 'lot_id', 'points', 'earned_at', 'vests_at', 'expires_at'],
  sales: [
    'receipt_id',
    'store_id',
    'till_id',
    'card_id',
    'occurred_at',
    'cashier_id',
    'currency',
    'rules_version',
    'row_type',
    'line_id',
    'sku',
    'category',
    'quantity',
    'unit_price',
    'amount',
    'discount',
    'promotions',
    'earned_points',
    'rule_ids',
    'spent_points',
    'spent_discount',
    'bonus_kind',
    'grant_key',
  ],
  returns: [
    'return_id',
    'card_id',
    'occurred_at',
    'receipt_id',
    'store_id',
    'till_id',
    'cashier_id',
    'line_id',
    'quantity',
    'refund',
  ],
} as const satisfies Record<ImportKind, readonly string[]>;

export const requiredFields: Record<ImportKind, readonly string[]> = {
  cards: ['card_id'],
  balances: ['card_id', 'points', 'earned_at'],
  sales: ['receipt_id', 'store_id', 'till_id', 'card_id', 'occurred_at', 'currency', 'amount'],
  returns: ['return_id', 'card_id', 'occurred_at', 'receipt_id', 'store_id'],
};

const offsetPattern = /^[+-](0\d|1[0-4]):[0-5]\d$/;

export const importMappingSchema = z.strictObject({
  /** `csv` or `jsonl`; default: by the file's extension (`.jsonl`/`.ndjson` are JSON Lines). */
  format: z.enum(['csv', 'jsonl']).optional(),
  /** CSV field delimiter (one character). */
  delimiter: z.string().length(1).default(','),
  /** `minor`: integers of kopecks/cents (Tillpoint's own); `major`: decimals such as `123.45`. */
  money: z.enum(['minor', 'major']).default('minor'),
  /** Digits after the decimal point of the currency, for `money: "major"`. */
  currencyDigits: z.number().int().min(0).max(4).default(2),
  /** The decimal separator of money and quantities (`"."` or `","`). */
  decimalSeparator: z.enum(['.', ',']).default('.'),
  /** Offset of times written without one (`2024-03-01 10:15:00`), e.g. `"+03:00"`; else they are refused. */
  utcOffset: z.string().regex(offsetPattern, 'an offset such as "+03:00"').optional(),
  /** Separator of lists in one CSV field (groups, promotions, rule ids). */
  listSeparator: z.string().length(1).default(';'),
  /** Per kind: Tillpoint field → the vendor's column (or JSON key). Fields left out keep their own name. */
  columns: z
    .strictObject({
      cards: z.record(z.string(), z.string().min(1)).optional(),
      balances: z.record(z.string(), z.string().min(1)).optional(),
      sales: z.record(z.string(), z.string().min(1)).optional(),
      returns: z.record(z.string(), z.string().min(1)).optional(),
    })
    .default({}),
  /** Vendor values of `status` → `anonymous` | `enrolled` | `blocked`. */
  statusValues: z.record(z.string(), z.enum(['anonymous', 'enrolled', 'blocked'])).default({}),
});
export type ImportMapping = z.infer<typeof importMappingSchema>;

export const defaultMapping: ImportMapping = importMappingSchema.parse({});

/** Reads and checks a mapping file: every problem named with its path. */
export function loadImportMapping(path: string): ImportMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TillpointError('invalid_mapping', `--mapping ${path}: not a JSON file (${String(error)})`);
  }
  const parsed = importMappingSchema.safeParse(raw);
  if (!parsed.success)
    throw new TillpointError('invalid_mapping', `--mapping ${path}: ${z.prettifyError(parsed.error)}`);
  for (const kind of importKinds) {
    const columns = parsed.data.columns[kind] ?? {};
    const known = new Set<string>(importFields[kind]);
    const unknown = Object.keys(columns).filter((field) => !known.has(field));
    if (unknown.length > 0)
      throw new TillpointError(
        'invalid_mapping',
        `--mapping ${path}: columns.${kind}: unknown field(s) ${unknown.join(', ')}; the fields are: ${[...known].join(', ')}`,
      );
  }
  return parsed.data;
}

/** The file's format: the mapping's, else by extension. */
export function formatOf(path: string, mapping: ImportMapping): 'csv' | 'jsonl' {
  if (mapping.format !== undefined) return mapping.format;
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

/** Vendor column (or key) → Tillpoint field, for one kind. */
export function columnMap(kind: ImportKind, mapping: ImportMapping): Map<string, string> {
  const out = new Map<string, string>();
  const renamed = mapping.columns[kind] ?? {};
  for (const field of importFields[kind]) out.set(renamed[field] ?? field, field);
  return out;
}

/**
 * The header of a CSV file as Tillpoint fields (null for columns the import does not read); an
 * operating error naming what is missing when a required field has no column.
 */
export function headerFields(
  kind: ImportKind,
  header: readonly string[],
  mapping: ImportMapping,
): (string | null)[] {
  const map = columnMap(kind, mapping);
  const fields = header.map((name) => map.get(name.trim()) ?? null);
  const missing = requiredFields[kind].filter((f) => !fields.includes(f));
  if (missing.length > 0) {
    const renamed = mapping.columns[kind] ?? {};
    throw new TillpointError(
      'invalid_import_file',
      `the ${kind} file has no column for ${missing.map((f) => (renamed[f] ? `${f} ("${renamed[f]}")` : f)).join(', ')}; its header is: ${header.join(', ').slice(0, 300)}`,
    );
  }
  return fields;
}
