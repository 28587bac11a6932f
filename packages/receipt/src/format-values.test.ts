import { formatMinor } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAmount,
  formatDate,
  formatPoints,
  formatTime,
  inTimeZone,
  isTimeZone,
  nbsp,
} from './format-values';

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

  it('reads an instant on the shop’s clock: an IANA zone, a fixed offset or UTC', () => {
    // 13:39 UTC is 16:39 in Moscow (UTC+3 all year), 08:39 in New York in December (UTC-5).
    expect(inTimeZone('2026-12-06T13:39:00.000Z', 'Europe/Moscow')).toBe('2026-12-06T16:39');
    expect(inTimeZone('2026-12-06T13:39:00.000Z', 'America/New_York')).toBe('2026-12-06T08:39');
    expect(inTimeZone('2026-12-06T22:30:00Z', '+03:00')).toBe('2026-12-07T01:30');
    expect(inTimeZone('2026-12-06T01:30:00+03:00', 'UTC')).toBe('2026-12-05T22:30');
    // Without a zone, and for a date alone, as written.
    expect(inTimeZone('2026-11-22T19:30:05+03:00', undefined)).toBe('2026-11-22T19:30:05+03:00');
    expect(inTimeZone('2026-12-20', 'Europe/Moscow')).toBe('2026-12-20');
    expect(formatTime(inTimeZone('2026-12-06T13:39:00Z', 'Europe/Moscow'))).toBe('16:39');
    expect(formatDate(inTimeZone('2026-12-06T21:30:00Z', 'Europe/Moscow'), 'ru')).toBe('07.12.2026');
    for (const zone of ['UTC', '+03:00', '-05:30', 'Europe/Moscow'])
      expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['Mars/Olympus', '+25:00', '3']) expect(isTimeZone(zone), zone).toBe(false);
  });
});
