/**
 * Fixed-decimal numbers in the reader's locale ("3.0 kW", "23.0 °C"): in a column of live values a trailing
 * zero that comes and goes makes the digits jump. i18n's formatNumber drops it, so the racks area keeps its own.
 */
import { locale } from '../../i18n/index.ts';

const formats = new Map<string, Intl.NumberFormat>();

export function formatFixed(value: number, digits: number): string {
  const key = `${locale()}:${digits}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(key, format);
  }
  return format.format(value);
}
