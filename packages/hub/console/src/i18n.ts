import { type Language, languages, type TextKey, texts } from './texts';

/** The console's language: chosen by the person (remembered in this browser), else the browser's. */
const storageKey = 'tillpoint.console.language';

function initial(): Language {
  const saved = localStorage.getItem(storageKey);
  if (saved !== null && (languages as readonly string[]).includes(saved)) return saved as Language;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

let current: Language = initial();

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  localStorage.setItem(storageKey, next);
  document.documentElement.lang = next;
}

export function isTextKey(key: string): key is TextKey {
  return Object.hasOwn(texts.en, key);
}

/** The text for `key`, with `{name}` values filled in. */
export function t(key: TextKey, values: Record<string, string | number> = {}): string {
  return texts[current][key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** Dates and times in the browser's own time zone, in the language's style. */
export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(current === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(new Date(iso));
}
