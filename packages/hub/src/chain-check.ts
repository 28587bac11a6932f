import { hash } from 'node:crypto';
import { canonicalJson } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';

/**
 * The hash chain of a run of entries, as `verifyChain` of `@tillpoint/ledger` checks it
 * (`hash = sha256_hex(prevHash + "\n" + canonicalJson(body))`, body = the entry without
 * `prevHash`/`hash`), only faster: an entry of the exact outbox shape is written out in its
 * canonical key order directly, and hashed one-shot. Anything else (an extra or missing key, an
 * undefined or non-finite value, a value of another type) goes through `canonicalJson` itself,
 * so the text hashed is always exactly the canonical JSON.
 */
export function verifyChainFast(
  entries: readonly OutboxEntry[],
  startHash: string,
): { ok: true } | { ok: false; seq: number; reason: string } {
  let prev = startHash;
  for (const entry of entries) {
    if (entry.prevHash !== prev) {
      return { ok: false, seq: entry.seq, reason: 'prevHash does not match the previous hash' };
    }
    if (hash('sha256', `${prev}\n${canonicalBody(entry)}`, 'hex') !== entry.hash) {
      return { ok: false, seq: entry.seq, reason: 'hash does not match the body' };
    }
    prev = entry.hash;
  }
  return { ok: true };
}

/** `canonicalJson` of the entry without `prevHash` and `hash`. */
export function canonicalBody(entry: OutboxEntry): string {
  const fast = outboxShape(entry);
  if (fast !== null) return fast;
  const { prevHash: _prev, hash: _hash, ...body } = entry;
  return canonicalJson(body);
}

const entryKeys = [
  'cardId',
  'detail',
  'epoch',
  'idempotencyKey',
  'kind',
  'newLots',
  'occurredAt',
  'postings',
  'reverses',
  'rulesVersion',
  'seq',
  'tillId',
  'txnId',
  'prevHash',
  'hash',
];
const lotKeys = ['account', 'expiresAt', 'initial', 'lotId', 'vestsAt'];
const postingKeys = ['account', 'amount', 'leg', 'lotId'];

/** The object's own enumerable keys are exactly these. */
function hasExactly(value: object, keys: readonly string[]): boolean {
  if (Object.keys(value).length !== keys.length) return false;
  for (const key of keys) if (!Object.hasOwn(value, key)) return false;
  return true;
}
const s = JSON.stringify;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const intOrNull = (v: unknown): v is number | null => v === null || isInt(v);

const entryKeysWithSale = [...entryKeys, 'sale'];

/**
 * A value written as `canonicalJson` writes it: strings, finite numbers, booleans and null by
 * `JSON.stringify`, anything else by `canonicalJson` itself (so the text is always exactly its).
 */
const scalarJson = (v: unknown): string =>
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  v === null ||
  (typeof v === 'number' && Number.isFinite(v))
    ? s(v)
    : canonicalJson(v);

/** A field of an object written without sorting its keys: `render` for its value (`scalarJson` if none). */
interface Field {
  key: string;
  optional?: true;
  render?: (value: unknown) => string;
}

/**
 * `canonicalJson` of an object whose own enumerable keys are exactly `fields` (the optional ones
 * may be absent), given in sorted order, its members written in that order without sorting;
 * any other value goes through `canonicalJson`.
 */
function exactObject(value: unknown, fields: readonly Field[]): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return canonicalJson(value);
  const record = value as Record<string, unknown>;
  let present = 0;
  for (const f of fields) {
    if (Object.prototype.propertyIsEnumerable.call(record, f.key)) present++;
    else if (f.optional !== true) return canonicalJson(value);
  }
  if (present !== Object.keys(record).length) return canonicalJson(value);
  let out = '{';
  for (const f of fields) {
    const member = record[f.key];
    if (member === undefined) continue;
    out += `${out === '{' ? '' : ','}"${f.key}":${(f.render ?? scalarJson)(member)}`;
  }
  return `${out}}`;
}

/** An array written as `canonicalJson` writes it, each element by `render`. */
const arrayOf =
  (render: (value: unknown) => string) =>
  (value: unknown): string => {
    if (!Array.isArray(value)) return canonicalJson(value);
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + render(value[i]);
    return `${out}]`;
  };

const field = (key: string, render?: (value: unknown) => string, optional?: true): Field => ({
  key,
  ...(render === undefined ? {} : { render }),
  ...(optional === undefined ? {} : { optional }),
});

/** A sale fact's bonus, line and own keys (`saleFactSchema`), sorted; rewards (rare) through `canonicalJson`. */
const bonusFields: readonly Field[] = ['grantOnceKey', 'kind', 'points', 'ruleId'].map((k) => field(k));
const lineFields: readonly Field[] = [
  field('amountMinor'),
  field('category'),
  field('discountMinor'),
  field('earnedPoints'),
  field('lineId'),
  field('promotions', canonicalJson),
  field('quantity'),
  field('rewardDiscountMinor', undefined, true),
  field('ruleIds', canonicalJson),
  field('sku'),
  field('spentDiscountMinor'),
  field('spentPoints'),
  field('unitPriceMinor'),
];
const saleFields: readonly Field[] = [
  field('basketTotalMinor'),
  field(
    'bonuses',
    arrayOf((b) => exactObject(b, bonusFields)),
  ),
  field('cashierId'),
  field('currency'),
  field(
    'lines',
    arrayOf((l) => exactObject(l, lineFields)),
  ),
  field('receiptId'),
  field('rewards', canonicalJson, true),
  field('spendMinor'),
  field('storeId'),
];

/** The canonical text of an entry of exactly the outbox shape (a sale fact allowed), or null for anything else. */
function outboxShape(e: OutboxEntry): string | null {
  const withSale = Object.hasOwn(e, 'sale');
  if (!hasExactly(e, withSale ? entryKeysWithSale : entryKeys)) return null;
  if (
    !isStr(e.cardId) ||
    !isStr(e.epoch) ||
    !isStr(e.idempotencyKey) ||
    !isStr(e.kind) ||
    !isInt(e.occurredAt) ||
    !strOrNull(e.reverses) ||
    !strOrNull(e.rulesVersion) ||
    !isInt(e.seq) ||
    !isStr(e.tillId) ||
    !isStr(e.txnId) ||
    !Array.isArray(e.postings) ||
    !Array.isArray(e.newLots) ||
    typeof e.detail !== 'object' ||
    e.detail === null ||
    Array.isArray(e.detail) ||
    !isStr(e.prevHash) ||
    !isStr(e.hash)
  ) {
    return null;
  }
  let lots = '[';
  for (let i = 0; i < e.newLots.length; i++) {
    const l = e.newLots[i];
    if (
      l === undefined ||
      !hasExactly(l, lotKeys) ||
      !isStr(l.account) ||
      !intOrNull(l.expiresAt) ||
      !isInt(l.initial) ||
      !isStr(l.lotId) ||
      !isInt(l.vestsAt)
    ) {
      return null;
    }
    lots += `${i === 0 ? '' : ','}{"account":${s(l.account)},"expiresAt":${s(l.expiresAt)},"initial":${s(l.initial)},"lotId":${s(l.lotId)},"vestsAt":${s(l.vestsAt)}}`;
  }
  let postings = '[';
  for (let i = 0; i < e.postings.length; i++) {
    const p = e.postings[i];
    if (
      p === undefined ||
      !hasExactly(p, postingKeys) ||
      !isStr(p.account) ||
      !isInt(p.amount) ||
      !isInt(p.leg) ||
      !strOrNull(p.lotId)
    ) {
      return null;
    }
    postings += `${i === 0 ? '' : ','}{"account":${s(p.account)},"amount":${s(p.amount)},"leg":${s(p.leg)},"lotId":${s(p.lotId)}}`;
  }
  return `{"cardId":${s(e.cardId)},"detail":${canonicalJson(e.detail)},"epoch":${s(e.epoch)},"idempotencyKey":${s(e.idempotencyKey)},"kind":${s(e.kind)},"newLots":${lots}],"occurredAt":${s(e.occurredAt)},"postings":${postings}],"reverses":${s(e.reverses)},"rulesVersion":${s(e.rulesVersion)}${withSale && e.sale !== undefined ? `,"sale":${exactObject(e.sale, saleFields)}` : ''},"seq":${s(e.seq)},"tillId":${s(e.tillId)},"txnId":${s(e.txnId)}}`;
}
