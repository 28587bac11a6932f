import { formatMinor } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatDate, formatPoints, formatTime, nbsp } from './format-values';

describe('formatting values for the slip', () => {
  it('groups points by thousands per language', () => {
    expect(formatPoints(1234567, 'en')).toBe('1,234,567');
    expect(formatPoints(1234567, 'ru')).toBe(`1${nbsp}234${nbsp}567`);
    expect(formatPoints(-1200, 'ru')).toBe(`-1${nbsp}200`);
  });

  it('formats money from integer minor units', () => {
    expect(formatAmount(123450, 'RUB', 'ru')).toBe(`1${nbsp}234,50${nbsp}₽`);
    expect(formatAmount(123450, 'RUB', 'en')).toBe(`1,234.50${nbsp}₽`);
    expect(formatAmount(5, 'USD', 'en')).toBe(`0.05${nbsp}$`);
    expect(formatAmount(1500, 'JPY', 'en')).toBe(`1,500${nbsp}JPY`);
  });

  it('loses no digit: removing the grouping gives back core formatMinor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
        fc.constantFrom('en', 'ru'),
        (minor, lang) => {
          const text = formatAmount(minor, 'RUB', lang as 'en' | 'ru');
          const digits = text
            .replace(`${nbsp}₽`, '')
            .replaceAll(lang === 'ru' ? nbsp : ',', '')
            .replace(',', '.');
          expect(digits).toBe(formatMinor(minor, 'RUB'));
        },
      ),
    );
  });

  it('writes dates the local way and keeps the till time', () => {
    expect(formatDate('2026-12-01', 'ru')).toBe('01.12.2026');
    expect(formatDate('2026-12-01', 'en')).toBe('2026-12-01');
    expect(formatTime('2026-11-22T19:30:05+03:00')).toBe('19:30');
  });
});
