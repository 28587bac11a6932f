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

/** The canonical text of an entry of exactly the outbox shape, or null for anything else. */
function outboxShape(e: OutboxEntry): string | null {
  if (!hasExactly(e, entryKeys)) return null;
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
  return `{"cardId":${s(e.cardId)},"detail":${canonicalJson(e.detail)},"epoch":${s(e.epoch)},"idempotencyKey":${s(e.idempotencyKey)},"kind":${s(e.kind)},"newLots":${lots}],"occurredAt":${s(e.occurredAt)},"postings":${postings}],"reverses":${s(e.reverses)},"rulesVersion":${s(e.rulesVersion)},"seq":${s(e.seq)},"tillId":${s(e.tillId)},"txnId":${s(e.txnId)}}`;
}
