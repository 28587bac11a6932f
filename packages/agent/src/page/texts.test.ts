import { readdirSync, readFileSync } from 'node:fs';
import { apiErrorCodes } from '@tillpoint/protocol';
import { describe, expect, it } from 'vitest';
import { texts, translate } from './assets/texts.js';

const assetsDir = new URL('./assets/', import.meta.url);
const asset = (name: string) => readFileSync(new URL(name, assetsDir), 'utf8');
const scripts = readdirSync(assetsDir).filter((name) => name.endsWith('.js'));
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('companion page texts', () => {
  it('has the same keys and the same placeholders in English and Russian', () => {
    expect(Object.keys(texts.ru).sort()).toEqual(Object.keys(texts.en).sort());
    for (const [key, en] of Object.entries(texts.en)) {
      expect(placeholders(texts.ru[key] ?? ''), key).toEqual(placeholders(en));
      expect((texts.ru[key] ?? '').length, key).toBeGreaterThan(0);
    }
  });

  it('has every text the page and its scripts name', () => {
    const html = [...asset('index.html').matchAll(/\{\{t\.(\w+)\}\}/g)].map((m) => m[1] ?? '');
    const script = scripts.flatMap((name) =>
      [...asset(name).matchAll(/\bt\('(\w+)'/g)].map((m) => m[1] ?? ''),
    );
    expect(html.length).toBeGreaterThan(20);
    expect(script.length).toBeGreaterThan(20);
    for (const key of [...html, ...script]) expect(texts.en, key).toHaveProperty(key);
  });

  it('says every refusal of the local API in its own words, in both languages', () => {
    for (const code of apiErrorCodes) {
      expect(texts.en, code).toHaveProperty(`error_${code}`);
      expect(texts.ru, code).toHaveProperty(`error_${code}`);
    }
    for (const table of [texts.en, texts.ru])
      for (const [key, text] of Object.entries(table))
        expect(text, key).not.toMatch(/minor units|DLE EOT|idempotency|\bnull\b|undefined/);
  });

  it('has a points unit for every plural form of each language', () => {
    for (const [language, locale] of [
      ['en', 'en-GB'],
      ['ru', 'ru-RU'],
    ] as const) {
      for (const form of new Intl.PluralRules(locale).resolvedOptions().pluralCategories)
        expect(texts[language], `${language} ${form}`).toHaveProperty(`points_${form}`);
    }
    expect(translate('ru', `points_${new Intl.PluralRules('ru-RU').select(21)}`)).toBe('балл');
    expect(translate('ru', `points_${new Intl.PluralRules('ru-RU').select(3)}`)).toBe('балла');
    expect(translate('ru', `points_${new Intl.PluralRules('ru-RU').select(500)}`)).toBe('баллов');
  });

  it('fills placeholders as plain text', () => {
    expect(translate('ru', 'tier', { name: 'Серебро' })).toBe('Уровень: Серебро');
    expect(translate('en', 'spendCapped', { max: 300 })).toBe('At most 300 points on this purchase.');
    expect(translate('en', 'tier', {})).toBe('Tier: {name}');
    expect(translate('en', 'no_such_key')).toBe('no_such_key');
  });
});
