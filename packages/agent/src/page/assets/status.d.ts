/** Types of status.js (plain JS served to the browser as is). */
type Translate = (key: string, params?: Record<string, string | number>) => string;
export declare function printerProblem(printer: unknown, t: Translate): string | null;
export declare function syncBanner(
  sync: unknown,
  t: Translate,
  locale: string,
  timeZone?: string,
): string | null;
