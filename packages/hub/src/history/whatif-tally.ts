import { multiplyDivide } from '@tillpoint/core';
import { type ExchangeRate, localDate, moneyForPoints } from '@tillpoint/rules';
import { quarterHourMemo } from './quarter-hour-memo';
import type { ReplayedSale } from './replay-card';

/**
 * The what-if report's figures (pure): points as booked and as replayed, by rule (the rules that
 * earned a line's points together, `a+b`; a bonus by its rule), store, local day and tier (under
 * the replayed program), with receipts, turnover and the members whose points differ; the total
 * and the liability (points net of returns). Sums only, so tallies of card partitions add up to
 * the tally of the whole, whatever the order: the report is deterministic.
 */
export interface Cell {
  receipts: number;
  turnoverMinor: number;
  booked: number;
  replayed: number;
  members: number;
}

export const dimensions = ['total', 'liability', 'rule', 'store', 'day', 'tier'] as const;
export type Dimension = (typeof dimensions)[number];

export interface ReportRow extends Cell {
  dimension: Dimension;
  key: string;
}

const empty = (): Cell => ({ receipts: 0, turnoverMinor: 0, booked: 0, replayed: 0, members: 0 });

export class WhatIfTally {
  readonly cells = new Map<string, Cell>();
  spendRefused = 0;
  cards = 0;

  readonly #dayOf: (at: number) => string;

  constructor(readonly timeZone: string) {
    this.#dayOf = quarterHourMemo((at) => localDate(new Date(at), timeZone));
  }

  /** The cells by dimension, then key (the same cells as `cells`: no key text built a line). */
  readonly #byDimension = new Map<Dimension, Map<string, Cell>>(dimensions.map((d) => [d, new Map()]));

  #cell(dimension: Dimension, key: string): Cell {
    const byKey = this.#byDimension.get(dimension) as Map<string, Cell>;
    let cell = byKey.get(key);
    if (cell === undefined) {
      cell = empty();
      byKey.set(key, cell);
      this.cells.set(`${dimension}\u001f${key}`, cell);
    }
    return cell;
  }

  /** One card's replayed sales (its members count once per key whose points differ). */
  addCard(sales: readonly ReplayedSale[]): void {
    if (sales.length === 0) return;
    this.cards += 1;
    const diff = new Map<Cell, number>();
    const points = (dimension: Dimension, key: string, booked: number, replayed: number) => {
      const cell = this.#cell(dimension, key);
      cell.booked += booked;
      cell.replayed += replayed;
      diff.set(cell, (diff.get(cell) ?? 0) + replayed - booked);
    };
    const receipt = (dimension: Dimension, key: string, turnover: number) => {
      const cell = this.#cell(dimension, key);
      cell.receipts += 1;
      cell.turnoverMinor += turnover;
    };
    for (const r of sales) {
      const s = r.sale;
      const booked = s.earnedPoints;
      const day = this.#dayOf(s.occurredAt);
      const tier = r.tierId ?? '-';
      receipt('total', 'all', s.basketTotalMinor);
      points('total', 'all', booked, r.replayed);
      receipt('store', s.storeId, s.basketTotalMinor);
      points('store', s.storeId, booked, r.replayed);
      receipt('day', day, s.basketTotalMinor);
      points('day', day, booked, r.replayed);
      receipt('tier', tier, s.basketTotalMinor);
      points('tier', tier, booked, r.replayed);
      receipt('liability', 'net', s.basketTotalMinor);
      points('liability', 'net', r.bookedNet, r.replayedNet);
      for (const l of r.lines) {
        if (l.booked > 0) points('rule', l.bookedKey || '-', l.booked, 0);
        if (l.replayed > 0) points('rule', l.replayedKey || '-', 0, l.replayed);
      }
      for (const b of s.bonuses) if (b.points > 0) points('rule', b.ruleId, b.points, 0);
      for (const b of r.bonuses) if (b.points > 0) points('rule', b.ruleId, 0, b.points);
      if (r.spendRefused) this.spendRefused += 1;
    }
    for (const [cell, d] of diff) if (d !== 0) cell.members += 1;
  }

  /** Adds another partition's tally (`toJSON` of it). */
  merge(other: ReturnType<WhatIfTally['toJSON']>): void {
    for (const [id, cell] of other.cells) {
      const [dimension, key] = id.split('\u001f') as [Dimension, string];
      const mine = this.#cell(dimension, key);
      mine.receipts += cell.receipts;
      mine.turnoverMinor += cell.turnoverMinor;
      mine.booked += cell.booked;
      mine.replayed += cell.replayed;
      mine.members += cell.members;
    }
    this.spendRefused += other.spendRefused;
    this.cards += other.cards;
  }

  toJSON() {
    return { cells: [...this.cells], spendRefused: this.spendRefused, cards: this.cards };
  }

  /** Rows by dimension (the order of `dimensions`), then key; a rule row's turnover is the period's. */
  rows(): ReportRow[] {
    const total = this.cells.get('total\u001fall')?.turnoverMinor ?? 0;
    return [...this.cells]
      .map(([id, cell]) => {
        const [dimension, key] = id.split('\u001f') as [Dimension, string];
        return {
          dimension,
          key,
          ...cell,
          ...(dimension === 'rule' ? { receipts: 0, turnoverMinor: total } : {}),
        };
      })
      .sort(
        (a, b) =>
          dimensions.indexOf(a.dimension) - dimensions.indexOf(b.dimension) ||
          (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      );
  }
}

/** A share of turnover as a percentage with two decimals (half up), e.g. `2.47`. */
export function percentOf(partMinor: number, turnoverMinor: number): string {
  if (turnoverMinor === 0) return '';
  const sign = partMinor < 0 ? '-' : '';
  const hundredths = multiplyDivide(Math.abs(partMinor), 10_000, turnoverMinor, 'half-up');
  return `${sign}${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

export const csvHeader =
  'dimension,key,receipts,turnover_minor,booked_points,replayed_points,difference_points,booked_cost_minor,replayed_cost_minor,difference_cost_minor,booked_cost_percent,replayed_cost_percent,members_affected';

/** The report as CSV, one row a line (money in minor units, at the replayed program's point value). */
export function reportCsv(rows: readonly ReportRow[], rate: ExchangeRate): string {
  const money = (points: number) =>
    points < 0 ? -moneyForPoints(rate, -points) : moneyForPoints(rate, points);
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = rows.map((r) => {
    const booked = money(r.booked);
    const replayed = money(r.replayed);
    return [
      r.dimension,
      quote(r.key),
      r.receipts,
      r.turnoverMinor,
      r.booked,
      r.replayed,
      r.replayed - r.booked,
      booked,
      replayed,
      replayed - booked,
      percentOf(booked, r.turnoverMinor),
      percentOf(replayed, r.turnoverMinor),
      r.members,
    ].join(',');
  });
  return `${csvHeader}\n${lines.join('\n')}\n`;
}
