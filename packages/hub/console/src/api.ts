import type { ConsoleSettingsAnswer, SessionInfo } from './api-types';
import { isTextKey, t } from './i18n';

/** Calls of the admin API (same origin, the session cookie goes by itself); writes carry the CSRF token. */
let csrfToken: string | null = null;

export function rememberSession(session: SessionInfo | null): void {
  csrfToken = session?.csrfToken ?? null;
}

export type ApiAnswer<T> = { ok: true; data: T } | { ok: false; status: number; code: string; text: string };

/** Told when the session is gone (expired, signed out elsewhere, account changed). */
let onSignedOut: (code: string) => void = () => undefined;
export function whenSignedOut(handler: (code: string) => void): void {
  onSignedOut = handler;
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/admin/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    return { ok: false, status: 0, code: 'network', text: t('error.network') };
  }
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, data: data as T };
  const code = typeof data.code === 'string' ? data.code : 'unavailable';
  const message = typeof data.message === 'string' ? data.message : '';
  const seconds = response.headers.get('retry-after') ?? '';
  const key = `error.${code}`;
  const text = isTextKey(key) ? t(key, { message, seconds }) : message || t('error.unavailable');
  if (response.status === 401 && path !== '/sign-in' && path !== '/sign-in/totp') onSignedOut(code);
  return { ok: false, status: response.status, code, text };
}

export type * from './api-types';

/** The console's settings (budget line, limits, stores and rules), read once per screen. */
export function loadSettings(): Promise<ApiAnswer<ConsoleSettingsAnswer>> {
  return api<ConsoleSettingsAnswer>('GET', '/settings');
}
