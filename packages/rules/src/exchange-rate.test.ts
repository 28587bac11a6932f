import { roundingModes } from '@tillpoint/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExchangeRate,
  exchangeRateOf,
  floorToStep,
  moneyForPoints,
  pointsForMoney,
  pointsWithinMoney,
  roundToStep,
} from './exchange-rate';

const rate = (points: number, moneyMinor: number, over: Partial<ExchangeRate> = {}): ExchangeRate => ({
  points,
  moneyMinor,
  moneyRounding: 'down',
  pointsRounding: 'up',
  ...over,
});

describe('exchange rate', () => {
  it('reads the ratio or the 1 : N shorthand', () => {
    expect(exchangeRateOf({ pointValueMinor: 1000 })).toEqual(rate(1, 1000));
    const exchange = rate(150, 100, { moneyRounding: 'half-up' });
    expect(exchangeRateOf({ exchange })).toEqual(exchange);
  });

  it('turns points into money and back with the named rounding ("10 points = 1 RUB", "1,000 points = $1")', () => {
    const pyaterochka = rate(10, 100);
    expect(moneyForPoints(pyaterochka, 657)).toBe(6570); // 65.70 RUB
    expect(pointsWithinMoney(pyaterochka, 6575)).toBe(657);
    expect(pointsForMoney(pyaterochka, 6575)).toBe(658); // enough to pay 65.75 RUB
    const walgreens = rate(1000, 100);
    expect(moneyForPoints(walgreens, 5432)).toBe(543);
    expect(moneyForPoints({ ...walgreens, moneyRounding: 'half-up' }, 5435)).toBe(544);
    expect(pointsWithinMoney(walgreens, 1234)).toBe(12_340);
    // "150 points buy $1": one point is worth 0.67 cents, a spend of 1 point pays nothing
    const oneFifty = rate(150, 100);
    expect(moneyForPoints(oneFifty, 1)).toBe(0);
    expect(moneyForPoints(oneFifty, 150)).toBe(100);
    expect(pointsForMoney(oneFifty, 100)).toBe(150);
    expect(pointsForMoney(oneFifty, 101)).toBe(152);
    expect(pointsForMoney({ ...oneFifty, pointsRounding: 'down' }, 101)).toBe(151);
  });

  it('rounds to the step', () => {
    expect(floorToStep(657, 10)).toBe(650);
    expect(floorToStep(460, 150)).toBe(450);
    expect(floorToStep(149, 150)).toBe(0);
    expect(roundToStep(3500, 1000, 'up')).toBe(4000);
    expect(roundToStep(3500, 1000, 'half-even')).toBe(4000);
    expect(roundToStep(2500, 1000, 'half-even')).toBe(2000);
    expect(roundToStep(3000, 1000, 'up')).toBe(3000);
  });
});

const rateArb = fc.record({
  points: fc.integer({ min: 1, max: 1_000_000 }),
  moneyMinor: fc.integer({ min: 1, max: 1_000_000 }),
  moneyRounding: fc.constantFrom(...roundingModes),
  pointsRounding: fc.constantFrom(...roundingModes),
});

describe('exchange rate properties', () => {
  it('never creates money out of rounding down: the money of a spend is at most its exact value', () => {
    fc.assert(
      fc.property(rateArb, fc.integer({ min: 0, max: 1_000_000_000 }), (r, points) => {
        const money = moneyForPoints({ ...r, moneyRounding: 'down' }, points);
        // money <= points * M / N, in integers
        expect(BigInt(money) * BigInt(r.points)).toBeLessThanOrEqual(BigInt(points) * BigInt(r.moneyMinor));
        // and short of it by less than one minor unit
        expect(BigInt(money + 1) * BigInt(r.points)).toBeGreaterThan(BigInt(points) * BigInt(r.moneyMinor));
      }),
    );
  });

  it('fits the points within a money cap whatever the money rounding, and one more point would not fit exactly', () => {
    fc.assert(
      fc.property(rateArb, fc.integer({ min: 0, max: 1_000_000_000 }), (r, cap) => {
        const points = pointsWithinMoney(r, cap);
        expect(moneyForPoints(r, points)).toBeLessThanOrEqual(cap);
        expect(BigInt(points + 1) * BigInt(r.moneyMinor)).toBeGreaterThan(BigInt(cap) * BigInt(r.points));
      }),
    );
  });

  it('asks, rounding up, for points that pay at least the amount at a money rounding down', () => {
    fc.assert(
      fc.property(rateArb, fc.integer({ min: 0, max: 1_000_000_000 }), (r, amount) => {
        const exact = { ...r, moneyRounding: 'down' as const, pointsRounding: 'up' as const };
        const points = pointsForMoney(exact, amount);
        expect(moneyForPoints(exact, points)).toBeGreaterThanOrEqual(amount);
        if (points > 0)
          expect(BigInt(points - 1) * BigInt(r.moneyMinor)).toBeLessThan(BigInt(amount) * BigInt(r.points));
      }),
    );
  });

  it('steps down to a multiple no more than one step below', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (points, step) => {
        const stepped = floorToStep(points, step);
        expect(stepped % step).toBe(0);
        expect(stepped).toBeLessThanOrEqual(points);
        expect(points - stepped).toBeLessThan(step);
      }),
    );
  });
});
