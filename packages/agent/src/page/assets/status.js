/**
 * What the status banners say, from the agent's latest `printer` and `sync` events. Pure:
 * `t` is the page's translate function. Tested in vitest too.
 */

/** The printer's problem in words, or null when it is fine (or not known yet). */
export function printerProblem(printer, t) {
  if (printer === null || typeof printer !== 'object') return null;
  const s = printer.state;
  if (s === 'ok' || s === 'unknown' || s === undefined) return null;
  const key = `printer_${s}`;
  const known = t(key);
  return known === key ? String(printer.message ?? s) : known;
}

/**
 * The offline banner, fed by `sync` events once head-office sync publishes them:
 * `{ state: 'online' | 'stale' | 'offline', lastSyncAt: ISO | ms | null, spendLimited?: boolean }`.
 */
export function syncLimit(sync, t, locale) {
  if (sync === null || typeof sync !== 'object') return null;
  const limited = sync.spendLimited === true || sync.state === 'offline' || sync.state === 'stale';
  if (!limited) return null;
  const at = sync.lastSyncAt ?? sync.since ?? null;
  const when = at === null ? Number.NaN : new Date(at).getTime();
  if (Number.isNaN(when)) return t('syncNever');
  return t('syncLimited', { since: new Date(when).toLocaleString(locale) });
}
