/**
 * CSV export and import of CIs, one file per CI type, for people who keep their inventory in a spreadsheet.
 * Pure: text in, ImportPlan out (the caller writes it).
 *
 * Columns: the common CI fields (`key, name, status, parent, positionU, …, tags`), then one `attr.<name>` column per
 * attribute of the type. Lists (tags, collector devices, a sensor's `measures`) are joined with `;`. An empty cell means "not set".
 * Links are not carried in CSV.
 *
 * Files are RFC 4180 (CRLF, `"` quoting) with a UTF-8 byte-order mark so Excel opens Japanese text correctly. A cell
 * that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is written with a leading
 * `'`, which spreadsheets show as "text"; the importer drops that `'` again. Plain numbers such as `-5` are left alone:
 * a spreadsheet reads them as numbers, not formulas.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the first CI row 2 (a cell with a line break
 * keeps its record on one row). Errors name the column header as the field.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { CI_ATTRIBUTE_SCHEMAS, ciInput, type CiFields, type CiInput, type CiType, type ImportPlan, type ImportRowError } from '../types.ts';

/** A CI as the API and importers hand it around (the output of `ciInput`). */
export type CsvCi = CiFields;

export const CSV_COMMON_COLUMNS = [
  'key', 'name', 'status', 'parent', 'positionU', 'face', 'model', 'serial', 'assetTag', 'owner', 'installDate',
  'warrantyEnd', 'supportEnd', 'maintenanceContract', 'maintenanceVendor', 'devices', 'description', 'tags',
] as const;
type CommonColumn = (typeof CSV_COMMON_COLUMNS)[number];

const ATTRIBUTE_PREFIX = 'attr.';
const LIST_SEPARATOR = ';';

type CellKind = 'text' | 'number' | 'boolean' | 'list';
interface Column { name: string; kind: CellKind; field: CommonColumn | null; attribute: string | null; required: boolean }

const COMMON_KIND: Partial<Record<CommonColumn, CellKind>> = { positionU: 'number', devices: 'list', tags: 'list' };

/** The value kind a zod attribute schema expects, looking through optional/default/nullable wrappers. */
function kindOf(schema: z.ZodType): CellKind {
  let def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  while ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) {
    def = (def.innerType as unknown as { _zod: { def: typeof def } })._zod.def;
  }
  if (def.type === 'number' || def.type === 'int') return 'number';
  if (def.type === 'boolean') return 'boolean';
  if (def.type === 'array') return 'list';
  return 'text';
}

const columnCache = new Map<CiType, Column[]>();

/** The columns of a CI type's CSV file, in order. */
export function csvColumns(type: CiType): Column[] {
  const cached = columnCache.get(type);
  if (cached) return cached;
  const columns: Column[] = CSV_COMMON_COLUMNS.map((field) => ({
    name: field, kind: COMMON_KIND[field] ?? 'text', field, attribute: null, required: field === 'key' || field === 'name',
  }));
  const schema = CI_ATTRIBUTE_SCHEMAS[type];
  if (schema instanceof z.ZodObject) {
    for (const [attribute, attributeSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      columns.push({
        name: `${ATTRIBUTE_PREFIX}${attribute}`, kind: kindOf(attributeSchema), field: null, attribute,
        required: !attributeSchema.safeParse(undefined).success,
      });
    }
  }
  columnCache.set(type, columns);
  return columns;
}

// ---------------------------------------------------------------- cells

const FORMULA_START = /^[=+\-@\t\r]/;
/** A value that already starts with our text marker before a formula character: marked again so it survives. */
const MARKED_FORMULA = /^'+[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function guardFormula(value: string): string {
  if (PLAIN_NUMBER.test(value)) return value;
  return FORMULA_START.test(value) || MARKED_FORMULA.test(value) ? `'${value}` : value;
}

function unguardFormula(cell: string): string {
  return MARKED_FORMULA.test(cell) ? cell.slice(1) : cell;
}

function quote(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => String(v)).join(LIST_SEPARATOR);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// ---------------------------------------------------------------- export

export interface CsvExportOptions {
  /** Start with a UTF-8 byte-order mark (default true: Excel needs it to read non-ASCII text as UTF-8). */
  bom?: boolean;
}

export function exportCsv(type: CiType, cis: readonly CsvCi[], options: CsvExportOptions = {}): string {
  const columns = csvColumns(type);
  const lines = [columns.map((c) => quote(c.name)).join(',')];
  for (const ci of cis) {
    if (ci.type !== type) throw new RangeError(`exportCsv(${type}): CI ${ci.key} is a ${ci.type}`);
    const attributes = (ci.attributes ?? {}) as Record<string, unknown>;
    lines.push(columns.map((c) => {
      const value = c.field ? ci[c.field] : attributes[c.attribute!];
      return quote(guardFormula(formatCell(value)));
    }).join(','));
  }
  return `${options.bom === false ? '' : '\uFEFF'}${lines.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------- import

export interface CsvImportResult {
  plan: ImportPlan;
  errors: ImportRowError[];
}

/** Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA. */
function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

function parseCell(kind: CellKind, cell: string): { value: unknown } | { error: string } {
  const trimmed = cell.trim();
  switch (kind) {
    case 'number':
      return PLAIN_NUMBER.test(trimmed) && Number.isFinite(Number(trimmed)) ? { value: Number(trimmed) } : { error: `expected a number, got "${cell}"` };
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', 'yes', '1'].includes(lower)) return { value: true };
      if (['false', 'no', '0'].includes(lower)) return { value: false };
      return { error: `expected true or false, got "${cell}"` };
    }
    case 'list':
      return { value: trimmed.split(LIST_SEPARATOR).map((v) => v.trim()).filter(Boolean) };
    default:
      return { value: cell };
  }
}

export function importCsv(type: CiType, text: string): CsvImportResult {
  const collection = `${type}.csv`;
  const errors: ImportRowError[] = [];
  const cis: CiInput[] = [];
  const result = (): CsvImportResult => ({
    plan: { source: 'import:csv', models: [], cis, relations: [] },
    errors: errors.sort((a, b) => a.row - b.row),
  });

  // Records are collected as they are read, so an unclosed quote near the end loses only the rows after it.
  const records: string[][] = [];
  try {
    parse(text, {
      bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false,
      on_record: (record: string[]) => {
        records.push(record);
        return null;
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    errors.push({ collection, row: records.length + 1, field: 'row', message: `unreadable CSV from here on: ${message}` });
  }

  const header = records[0];
  if (!header || header.every((h) => h.trim() === '')) {
    errors.push({ collection, row: 1, field: 'header', message: `a header row is required (${csvColumns(type).map((c) => c.name).join(', ')})` });
    return result();
  }

  // Header: which column index feeds which field.
  const known = new Map(csvColumns(type).map((c) => [c.name, c]));
  const used: Array<Column | null> = [];
  const seen = new Map<string, number>();
  const blankHeaders: number[] = [];
  const headerErrors: ImportRowError[] = [];
  header.forEach((raw, index) => {
    const name = raw.trim();
    used.push(null);
    if (name === '') return void blankHeaders.push(index);
    const column = known.get(name);
    if (seen.has(name)) {
      headerErrors.push({ collection, row: 1, field: name, message: `duplicate column (also column ${columnLetter(seen.get(name)!)}); this one is ignored` });
    } else if (!column) {
      headerErrors.push({ collection, row: 1, field: name, message: `unknown column for a ${type}; ignored` });
    } else used[index] = column;
    seen.set(name, seen.get(name) ?? index);
  });
  const missing = [...known.values()].filter((c) => c.required && !seen.has(c.name));
  for (const column of missing) headerErrors.push({ collection, row: 1, field: column.name, message: `required column missing` });
  errors.push(...headerErrors);
  if (missing.length > 0) return result();

  const blankHeaderReported = new Set<number>();
  const rowOfKey = new Map<string, number>();
  for (let index = 1; index < records.length; index++) {
    const record = records[index];
    const row = index + 1;
    if (record.every((cell) => cell.trim() === '')) continue;
    const problems = new Map<string, string>();

    const input: Record<string, unknown> = { type };
    const attributes: Record<string, unknown> = {};
    record.forEach((raw, j) => {
      const cell = unguardFormula(raw);
      if (cell.trim() === '') return;
      const column = used[j];
      if (column) {
        const parsed = parseCell(column.kind, cell);
        if ('error' in parsed) problems.set(column.name, parsed.error);
        else if (column.field) input[column.field] = parsed.value;
        else attributes[column.attribute!] = parsed.value;
      } else if (j >= header.length) {
        problems.set(`column ${columnLetter(j)}`, 'value beyond the last header column');
      } else if (blankHeaders.includes(j) && !blankHeaderReported.has(j)) {
        blankHeaderReported.add(j);
        errors.push({ collection, row: 1, field: `column ${columnLetter(j)}`, message: 'column has values but no header; ignored' });
      }
    });
    input.attributes = attributes;

    const columnOf = (path: ReadonlyArray<PropertyKey>) =>
      path[0] === 'attributes' && path.length > 1 ? `${ATTRIBUTE_PREFIX}${String(path[1])}` : String(path[0] ?? 'row');
    const ci = ciInput.safeParse(input);
    if (!ci.success) for (const issue of ci.error.issues) if (!problems.has(columnOf(issue.path))) problems.set(columnOf(issue.path), issue.message);
    const attrs = CI_ATTRIBUTE_SCHEMAS[type].safeParse(attributes);
    if (!attrs.success) {
      for (const issue of attrs.error.issues) {
        const field = columnOf(['attributes', ...issue.path]);
        if (!problems.has(field)) problems.set(field, issue.message);
      }
    }
    const key = typeof input.key === 'string' ? input.key.trim() : undefined;
    if (key && rowOfKey.has(key) && !problems.has('key')) problems.set('key', `duplicate key (also row ${rowOfKey.get(key)})`);

    if (problems.size > 0 || !ci.success || !attrs.success) {
      for (const [field, message] of problems) errors.push({ collection, row, ...(key ? { ref: key } : {}), field, message });
      continue;
    }
    rowOfKey.set(ci.data.key, row);
    cis.push({ ...ci.data, attributes: attrs.data });
  }
  return result();
}
