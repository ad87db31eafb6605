/**
 * Chart view helpers: time axis labels in the reader's locale (uPlot's own are English only). The tick
 * spacing decides what a label shows: seconds, clock time, day, or month; the date is added to clock
 * labels where the day changes (second line), the year to day labels where the year changes.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formats.set(key, f);
  }
  return f;
}

const DAY_S = 86_400;

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** Labels for uPlot axis splits (seconds) spaced `incrementSec` apart. */
export function timeAxisLabels(locale: string, splitsSec: readonly number[], incrementSec: number): string[] {
  const clock = format(locale, { hour: '2-digit', minute: '2-digit', second: incrementSec < 60 ? '2-digit' : undefined, hourCycle: 'h23' });
  const day = format(locale, { month: 'short', day: 'numeric' });
  const dayWithYear = format(locale, { year: 'numeric', month: 'short', day: 'numeric' });
  const month = format(locale, { year: 'numeric', month: 'short' });
  let previousMs: number | undefined;
  return splitsSec.map((sec) => {
    const ms = sec * 1000;
    const prev = previousMs;
    previousMs = ms;
    if (incrementSec >= 28 * DAY_S) return month.format(ms);
    if (incrementSec >= DAY_S) {
      const newYear = prev === undefined || new Date(prev).getFullYear() !== new Date(ms).getFullYear();
      return (newYear ? dayWithYear : day).format(ms);
    }
    const newDay = prev === undefined || dayKey(prev) !== dayKey(ms);
    return newDay ? `${clock.format(ms)}\n${day.format(ms)}` : clock.format(ms);
  });
}

/** A date and time for legends, titles and the range read-out. */
export function formatTimestamp(locale: string, ms: number, withSeconds = true): string {
  return format(locale, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    second: withSeconds ? '2-digit' : undefined, hourCycle: 'h23',
  }).format(ms);
}

/** A duration such as a bucket width, in the largest whole unit (`5 min`, `1 h`, `3 d`), localised. */
export function formatDurationSec(locale: string, seconds: number): string {
  const units: Array<[Intl.NumberFormatOptions['unit'], number]> = [['day', DAY_S], ['hour', 3600], ['minute', 60], ['second', 1]];
  for (const [unit, size] of units) {
    if (seconds >= size && seconds % size === 0) {
      return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(seconds / size);
    }
  }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 }).format(seconds);
}
