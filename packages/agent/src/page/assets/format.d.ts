/** Types of format.js (plain JS served to the browser as is). */
export declare function fractionDigits(locale: string, currency: string): number;
export declare function minorToDecimalString(minor: number, digits: number): string;
export declare function formatMoney(minor: number, locale: string, currency: string): string;
export declare function formatPoints(points: number, locale: string): string;
export declare function parseAmountMinor(text: unknown, digits: number): number | null;
export declare function normalisePhone(text: unknown): string | null;
export declare function clampSpend(value: unknown, maxPoints: number): number;
export declare function newAttemptKey(prefix: string): string;
