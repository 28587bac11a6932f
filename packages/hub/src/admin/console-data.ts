import type { HubStore } from '../hub-store';
import { consoleSettingsOf } from '../reports/console-settings';
import type { ReportStore } from '../reports/report-store';

/**
 * What the card, correction, report and settings routes read and write besides the admin store:
 * the hub's own store (cards, corrections, blocks, caps) and the report store (rollups, a card's
 * lots and movements, the console's settings).
 */
export interface ConsoleData {
  hub: HubStore;
  reports: ReportStore;
}

export async function consoleSettings(data: ConsoleData) {
  return consoleSettingsOf(await data.reports.settings());
}
