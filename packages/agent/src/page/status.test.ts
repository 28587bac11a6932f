import { describe, expect, it } from 'vitest';
import { printerProblem, syncLimit } from './assets/status.js';
import { translate } from './assets/texts.js';

const en = (key: string, params?: Record<string, string | number>) => translate('en', key, params);
const ru = (key: string, params?: Record<string, string | number>) => translate('ru', key, params);

describe('companion page status banners', () => {
  it('names printer problems in the page language, and is quiet when the printer is fine', () => {
    expect(printerProblem({ state: 'paper_out', message: 'x' }, en)).toBe('out of paper');
    expect(printerProblem({ state: 'cover_open' }, ru)).toBe('открыта крышка');
    expect(printerProblem({ state: 'queue_full', message: 'the print queue is full' }, en)).toBe(
      'the print queue is full',
    );
    for (const fine of [null, { state: 'ok' }, { state: 'unknown' }, {}])
      expect(printerProblem(fine, en)).toBeNull();
  });

  it('shows the offline limit when sync says spending is limited, with the last contact', () => {
    expect(syncLimit({ state: 'online', lastSyncAt: Date.now() }, en, 'en-GB')).toBeNull();
    expect(syncLimit(null, en, 'en-GB')).toBeNull();
    const at = '2026-11-22T08:30:00.000Z';
    expect(syncLimit({ state: 'offline', lastSyncAt: at }, en, 'en-GB')).toBe(
      `Head office not reached since ${new Date(at).toLocaleString('en-GB')}: points may be spent only within the offline limits.`,
    );
    expect(syncLimit({ state: 'stale', lastSyncAt: null }, ru, 'ru-RU')).toContain(
      'Связи с центральным офисом ещё не было',
    );
    expect(syncLimit({ spendLimited: true, since: Date.parse(at) }, ru, 'ru-RU')).toContain(
      new Date(at).toLocaleString('ru-RU'),
    );
  });
});
