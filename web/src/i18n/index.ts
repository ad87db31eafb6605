/**
 * A tiny i18n: every visible string goes through `t()`, numbers and dates through `Intl` with the
 * current locale. The locale is a signal, so text re-renders when the user switches language.
 */
import { createSignal } from 'solid-js';
import { en, type MessageKey } from './en.ts';
import { ja } from './ja.ts';

export type { MessageKey } from './en.ts';

export const catalogs = { en, ja } as const satisfies Record<string, Record<MessageKey, string>>;
export type Locale = keyof typeof catalogs;
export const LOCALES: readonly Locale[] = ['en', 'ja'];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'EN', ja: '日本語' };

const STORAGE_KEY = 'kiban.locale';

function initialLocale(): Locale {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'ja') return stored;
  } catch {
    // storage can be disabled; fall back to the browser language
  }
  const language = globalThis.navigator?.language ?? 'en';
  return language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

const [locale, setLocaleSignal] = createSignal<Locale>(initialLocale());
export { locale };

export function setLocale(next: Locale): void {
  setLocaleSignal(next);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // not persisted; the choice still applies to this tab
  }
  if (globalThis.document) document.documentElement.lang = next;
}

/** Message for `key` in the current locale, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogs[locale()][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole);
}

// Intl formatters are costly to build; cache one per locale and option set.
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(fractionDigits: number): Intl.NumberFormat {
  const cacheKey = `${locale()}:${fractionDigits}`;
  let format = numberFormats.get(cacheKey);
  if (!format) {
    format = new Intl.NumberFormat(locale(), { maximumFractionDigits: fractionDigits, minimumFractionDigits: 0 });
    numberFormats.set(cacheKey, format);
  }
  return format;
}

/** Enough digits to read a live value, not so many that it flickers: 3 significant-ish digits. */
function fractionDigitsFor(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  return 2;
}

/** UCUM-ish units as people write them. */
const UNIT_DISPLAY: Record<string, string> = { degC: '°C', degF: '°F', Cel: '°C' };

export function displayUnit(unit: string): string {
  return UNIT_DISPLAY[unit] ?? unit;
}

export function formatNumber(value: number, fractionDigits = fractionDigitsFor(value)): string {
  return numberFormat(fractionDigits).format(value);
}

export function formatValue(value: number, unit: string): string {
  const shown = displayUnit(unit);
  const number = formatNumber(value);
  if (!shown) return number;
  return shown === '%' || shown.startsWith('°') ? `${number}${shown}` : `${number} ${shown}`;
}

const relativeTimeFormats = new Map<Locale, Intl.RelativeTimeFormat>();

function relativeTimeFormat(): Intl.RelativeTimeFormat {
  let format = relativeTimeFormats.get(locale());
  if (!format) {
    // numeric 'auto' says "now" for a sample from this very second
    format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', style: 'short' });
    relativeTimeFormats.set(locale(), format);
  }
  return format;
}

/** "5 s ago" / "5 秒前": the age of a sample relative to `nowMs`. */
export function formatAge(sampleMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - sampleMs) / 1000));
  const format = relativeTimeFormat();
  if (seconds < 60) return format.format(-seconds, 'second');
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86_400) return format.format(-Math.floor(seconds / 3600), 'hour');
  return format.format(-Math.floor(seconds / 86_400), 'day');
}

export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(ms);
}

/** Clock time for chart axes: hours and minutes, seconds when the span is short. */
export function formatClock(ms: number, withSeconds: boolean): string {
  return new Intl.DateTimeFormat(locale(), {
    hour: '2-digit', minute: '2-digit', second: withSeconds ? '2-digit' : undefined, hourCycle: 'h23',
  }).format(ms);
}
