import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Report } from '../../src/reports/report-shape';
import { cellText, date } from './format';
import { isTextKey, t } from './i18n';

/**
 * A report's chart (Chart.js, bundled with the console: nothing is fetched): bars for daily
 * flows, lines for levels and shares, the budget line dashed. No animation, so what a screenshot
 * or a test sees is what is drawn.
 */
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const palette = ['#1f5fbf', '#d9822b', '#1d7a3a', '#8e44ad', '#b3261e'];
const lineReports = new Set(['liability', 'cost']);

export function seriesLabel(key: string): string {
  const k = `col.${key}`;
  return isTextKey(k) ? t(k) : key;
}

export function drawChart(canvas: HTMLCanvasElement, report: Report): Chart {
  const line = lineReports.has(report.report);
  const currency = report.program?.currency ?? null;
  const kind = report.chart.series[0]?.kind ?? 'count';
  const datasets: Array<Record<string, unknown>> = report.chart.series.map((s, i) => ({
    type: line ? 'line' : 'bar',
    label: seriesLabel(s.key),
    data: s.values,
    backgroundColor: palette[i % palette.length],
    borderColor: palette[i % palette.length],
    borderWidth: line ? 2 : 0,
    pointRadius: line ? 2 : 0,
    spanGaps: true,
  }));
  if (report.chart.budgetBp !== null)
    datasets.push({
      type: 'line',
      label: t('reports.budget_line', { bp: cellText(report.chart.budgetBp, 'bp', null) }),
      data: report.chart.labels.map(() => report.chart.budgetBp),
      borderColor: '#b3261e',
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 0,
    });
  const labels = report.chart.labels.map((l) => (/^\d{4}-\d{2}-\d{2}$/.test(l) ? date(l) : l));
  return new Chart(canvas, {
    type: line ? 'line' : 'bar',
    data: { labels, datasets: datasets as never },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: {
          beginAtZero: true,
          ticks: {
            // Whole units on the axis: no "0, 0, 1, 1" from rounded fractional steps.
            ...(kind === 'count' || kind === 'points' ? { precision: 0 } : {}),
            callback: (v) => cellText(Number(v), kind, currency),
          },
        },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${cellText(item.parsed.y ?? null, kind, currency)}`,
          },
        },
      },
    },
  });
}
