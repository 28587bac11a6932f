/**
 * What the status banners say, from the agent's latest `printer` and `sync` events. Pure:
 * `t` is the page's translate function. Tested in vitest too, with the events the agent sends.
 * Only the page's own words reach the cashier: the agent's messages are for its log.
 */

/** The printer's problem in words, or null when it is fine (or not known yet). */
export function printerProblem(printer, t) {
  if (printer === null || typeof printer !== 'object') return null;
  const s = printer.state;
  if (s === 'ok' || s === 'unknown' || s === undefined) return null;
  const key = `printer_${s}`;
  const known = t(key);
  return known === key ? t('printer_other') : known;
}

/**
 * The head-office banner, from the agent's `sync` event (packages/agent/src/sync/sync-client.ts
 * `SyncStatus`): `{ state: 'online' | 'offline' | 'behind', lastSuccessAt: ms | null,
 * pendingEntries, exposure: { headroomPoints, ... }, lastError?, warnings }`, or
 * `{ state: 'offline', problem }` when the till is not enrolled at head office.
 * `timeZone`: the shop's, for the last contact (undefined: the browser's).
 * Offline: spending is limited to the offline caps, and stops when the last contact is too old
 * or the caps are used up (`exposure.headroomPoints` 0). Behind: head office is reached but the
 * till's outbox is long (or its disk nearly full).
 */
export function syncBanner(sync, t, locale, timeZone) {
  if (sync === null || typeof sync !== 'object') return null;
  if (sync.state === 'behind') return t('syncBehind', { pending: formatCount(sync.pendingEntries, locale) });
  if (sync.state !== 'offline') return null;
  const at = typeof sync.lastSuccessAt === 'number' ? sync.lastSuccessAt : null;
  const stopped = (sync.exposure?.headroomPoints ?? 0) <= 0;
  if (at === null) return t(stopped ? 'syncStoppedNever' : 'syncNever');
  const since = new Date(at).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short', timeZone });
  return t(stopped ? 'syncStopped' : 'syncLimited', { since });
}

function formatCount(n, locale) {
  return typeof n === 'number' && Number.isFinite(n) ? new Intl.NumberFormat(locale).format(n) : '?';
}
