/** Types of texts.js (plain JS served to the browser as is). */
export declare const texts: Record<'en' | 'ru', Record<string, string>>;
export declare function translate(
  language: string,
  key: string,
  params?: Record<string, string | number>,
): string;
