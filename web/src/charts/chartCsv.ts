/**
 * Chart model: the CSV of exactly what a chart plots: one row per plotted row of its buffer inside the
 * visible range, time as ISO 8601 (UTC), then one column per plotted column (value, and min/max when the
 * range is aggregated). Gaps and absent cells are empty. Headers come localised from the caller; the file
 * starts with a byte order mark and uses CRLF so Excel opens UTF-8 (Japanese headers, °C) correctly.
 */
import type { AlignedSeriesBuffer } from './alignedSeriesBuffer.ts';

export interface CsvColumn {
  header: string;
  /** Buffer column (series index of the buffer). */
  column: number;
}

export const CSV_BOM = '\uFEFF';

function escapeCsv(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function chartCsv(input: {
  buffer: AlignedSeriesBuffer;
  timeHeader: string;
  columns: readonly CsvColumn[];
  fromSec: number;
  toSec: number;
}): string {
  const { buffer, columns } = input;
  const lines = [[input.timeHeader, ...columns.map((c) => c.header)].map(escapeCsv).join(',')];
  const first = buffer.rowAtOrAfter(input.fromSec);
  for (let row = first; row < buffer.length; row++) {
    const timeSec = buffer.timeAt(row);
    if (timeSec > input.toSec) break;
    let any = false;
    const cells = columns.map((c) => {
      const value = buffer.cell(c.column, row);
      if (value === undefined) return '';
      any = true;
      return value === null ? '' : String(value);
    });
    if (!any) continue; // a row of other columns only (e.g. a column not exported)
    lines.push([new Date(Math.round(timeSec * 1000)).toISOString(), ...cells].join(','));
  }
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}

/** A file name safe on every OS: the parts joined with `_`, unsafe characters replaced. */
export function csvFileName(parts: readonly string[]): string {
  return `${parts.map((p) => p.replace(/[^\p{L}\p{N}._-]+/gu, '-')).filter(Boolean).join('_')}.csv`;
}

/** Hands the text to the browser as a download. */
export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
