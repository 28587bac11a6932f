import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../sync/sync-client';
import { printerProblem, syncBanner } from './assets/status.js';
import { translate } from './assets/texts.js';

const en = (key: string, params?: Record<string, string | number>) => translate('en', key, params);
const ru = (key: string, params?: Record<string, string | number>) => translate('ru', key, params);

/** A `sync` event's data exactly as the agent publishes it (start-sync.ts: `{ ...status }`). */
const status = (over: Partial<SyncStatus>): SyncStatus => ({
  state: 'online',
  lastSuccessAt: Date.parse('2026-11-22T08:30:00.000Z'),
  pendingEntries: 0,
  exposure: { spentPoints: 0, headroomPoints: 2000, worstCasePoints: 2000 },
  warnings: [],
  ...over,
});

describe('companion page status banners', () => {
  it('names printer problems in the page language, never with the agent’s message', () => {
    expect(printerProblem({ state: 'paper_out', message: 'x' }, en)).toBe('out of paper');
    expect(printerProblem({ state: 'cover_open' }, ru)).toBe('открыта крышка');
    expect(
      printerProblem(
        { state: 'no_response', message: 'file:/tmp/x/printer.bin did not answer DLE EOT 1 within 1000 ms' },
        ru,
      ),
    ).toBe('не отвечает (проверьте питание и кабель)');
    expect(printerProblem({ state: 'queue_full', message: 'the print queue is full' }, en)).toBe(
      'too many slips waiting',
    );
    expect(printerProblem({ state: 'something_new', message: 'ENOENT /dev/usb/lp0' }, en)).toBe(
      'not working (store IT: see the agent log)',
    );
    for (const fine of [null, { state: 'ok' }, { state: 'unknown' }, {}])
      expect(printerProblem(fine, en)).toBeNull();
  });

  it('shows head office out of reach from the event the agent sends, with the last contact', () => {
    const at = '2026-11-22T08:30:00.000Z';
    const when = (locale: string) =>
      new Date(at).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' });
    expect(syncBanner(status({ state: 'online' }), en, 'en-GB')).toBeNull();
    expect(syncBanner(null, en, 'en-GB')).toBeNull();
    // Head office failed a moment ago; the last contact is still young: spending within the caps.
    expect(
      syncBanner(status({ state: 'offline', lastError: 'connect ECONNREFUSED 127.0.0.1:8443' }), en, 'en-GB'),
    ).toBe(
      `Head office not reached since ${when('en-GB')}: points may be spent only within the offline limits.`,
    );
    // In the shop's zone, whatever the browser's: 08:30 UTC is 11:30 in Moscow.
    expect(syncBanner(status({ state: 'offline', lastError: 'x' }), en, 'en-GB', 'Europe/Moscow')).toBe(
      'Head office not reached since 22/11/2026, 11:30: points may be spent only within the offline limits.',
    );
    // Too long without head office (no headroom left): no spending at all.
    const stale = status({
      state: 'offline',
      lastError: 'timeout',
      exposure: { spentPoints: 0, headroomPoints: 0, worstCasePoints: 0 },
    });
    expect(syncBanner(stale, ru, 'ru-RU')).toBe(
      `Нет связи с центральным офисом с ${when('ru-RU')}: списывать баллы нельзя, пока связь не восстановится. Начисление работает.`,
    );
    expect(
      syncBanner(
        status({
          state: 'offline',
          lastSuccessAt: null,
          exposure: { spentPoints: 0, headroomPoints: 0, worstCasePoints: 0 },
        }),
        en,
        'en-GB',
      ),
    ).toBe('Head office has not been reached yet: points cannot be spent until it is. Earning goes on.');
    // A till not enrolled at head office: start-sync publishes `{ state: 'offline', problem }`.
    expect(syncBanner({ state: 'offline', problem: 'no hub credential' }, en, 'en-GB')).toBe(
      'Head office has not been reached yet: points cannot be spent until it is. Earning goes on.',
    );
    // Reached, but the outbox is long: its own banner, with the count.
    expect(
      syncBanner(
        status({ state: 'behind', pendingEntries: 52_000, warnings: ['52000 entries wait'] }),
        en,
        'en-GB',
      ),
    ).toBe(
      'Head office is behind: 52,000 operations wait to be sent. Selling goes on; tell store IT if this stays.',
    );
  });
});
