import { defaultReportTimeZone } from './report-day';
import type { SettingName } from './report-store';

/**
 * The console's settings as the routes use them, from the `report_setting` rows (pure): the
 * report time zone, the program's budget line (reward cost as a share of card turnover, in
 * basis points: 300 = 3 %), and the correction limits (above `approvalThreshold` points a
 * correction waits for a second person; support posts alone up to `supportLimit`).
 */
export interface ConsoleSettings {
  timeZone: string;
  budgetBp: number;
  approvalThreshold: number;
  supportLimit: number;
  /** False while rollups lack entries the journal held before they existed (no rebuild from the journal yet). */
  rollupsComplete: boolean;
}

export const defaultConsoleSettings: Omit<ConsoleSettings, 'rollupsComplete'> = {
  timeZone: defaultReportTimeZone,
  budgetBp: 300,
  approvalThreshold: 1_000,
  supportLimit: 200,
};

function whole(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\d{1,12}$/.test(value)) return fallback;
  return Number(value);
}

export function consoleSettingsOf(rows: ReadonlyMap<SettingName, string>): ConsoleSettings {
  const d = defaultConsoleSettings;
  return {
    timeZone: rows.get('time_zone') ?? d.timeZone,
    budgetBp: whole(rows.get('budget_bp'), d.budgetBp),
    approvalThreshold: whole(rows.get('approval_threshold'), d.approvalThreshold),
    supportLimit: whole(rows.get('support_limit'), d.supportLimit),
    rollupsComplete: rows.get('rollups_complete') !== 'no',
  };
}
