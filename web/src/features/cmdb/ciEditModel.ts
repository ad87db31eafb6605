/**
 * The CI edit form as data: form values from a CI, and the PATCH that turns the CI into what the form says.
 * Only changed fields are sent (with the version read), so two admins editing different fields of the same
 * CI still get a 409 rather than silently overwriting each other. Cleared optional fields are sent as null.
 */
import type { CiPatch, CiStatus, CiView, FieldIssue, RackFace } from '../../api/cmdb.ts';
import type { MessageKey } from '../../i18n/index.ts';
import { attributeSpecsFor, type AttributeSpec } from './ciAttributes.ts';

export const OPTIONAL_TEXT_FIELDS = [
  'serial', 'assetTag', 'owner', 'maintenanceContract', 'maintenanceVendor', 'model', 'parent',
] as const;
export const DATE_FIELDS = ['installDate', 'warrantyEnd', 'supportEnd'] as const;

type OptionalTextField = (typeof OPTIONAL_TEXT_FIELDS)[number];
type DateField = (typeof DATE_FIELDS)[number];

/** Form values by field path (`name`, `attributes.ratedKw`); multi-select attributes hold arrays. */
export type FormValues = Record<string, string | string[]>;

export const attributePath = (name: string) => `attributes.${name}`;

function attributeToForm(spec: AttributeSpec, value: unknown): string | string[] {
  if (spec.kind === 'list') return Array.isArray(value) ? value.map(String) : [];
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function currentDevices(ci: CiView): string[] {
  return ci.devices ?? (ci.device ? [ci.device] : []);
}

/** `a, b,, c ` → `['a', 'b', 'c']`, duplicates dropped. */
function commaList(text: string): string[] {
  return [...new Set(text.split(',').map((item) => item.trim()).filter(Boolean))];
}

export function formFromCi(ci: CiView): FormValues {
  const values: FormValues = {
    name: ci.name,
    status: ci.status,
    description: ci.description ?? '',
    positionU: ci.positionU == null ? '' : String(ci.positionU),
    face: ci.face ?? '',
    tags: ci.tags.join(', '),
    devices: currentDevices(ci).join(', '),
    model: ci.model?.key ?? '',
  };
  for (const field of OPTIONAL_TEXT_FIELDS) if (field !== 'model') values[field] = ci[field] ?? '';
  for (const field of DATE_FIELDS) values[field] = ci[field] ?? '';
  for (const spec of attributeSpecsFor(ci.type, ci.attributes)) {
    values[attributePath(spec.name)] = attributeToForm(spec, ci.attributes[spec.name]);
  }
  return values;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: MessageKey };

function parseAttribute(spec: AttributeSpec, raw: string | string[]): Parsed {
  if (spec.kind === 'list') {
    const list = Array.isArray(raw) ? raw : [];
    return { ok: true, value: list.length > 0 ? list : undefined };
  }
  const text = (Array.isArray(raw) ? raw.join(',') : raw).trim();
  if (text === '') {
    return spec.kind === 'number' && spec.required ? { ok: false, error: 'cmdb.edit.required' } : { ok: true, value: undefined };
  }
  switch (spec.kind) {
    case 'number': {
      const value = Number(text);
      if (!Number.isFinite(value)) return { ok: false, error: 'cmdb.edit.notANumber' };
      if (spec.integer && !Number.isInteger(value)) return { ok: false, error: 'cmdb.edit.notAnInteger' };
      return { ok: true, value };
    }
    case 'boolean':
      return { ok: true, value: text === 'true' };
    default:
      return { ok: true, value: text };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export interface PatchResult {
  /** undefined when nothing changed. */
  patch?: CiPatch;
  /** Problems found before asking the server, by field path. */
  errors: Record<string, MessageKey>;
}

export function buildPatch(ci: CiView, values: FormValues): PatchResult {
  const errors: Record<string, MessageKey> = {};
  const patch: CiPatch = { version: ci.version };
  let changed = false;
  const text = (path: string) => {
    const raw = values[path];
    return (Array.isArray(raw) ? raw.join(',') : raw ?? '').trim();
  };

  const name = text('name');
  if (name === '') errors.name = 'cmdb.edit.required';
  else if (name !== ci.name) { patch.name = name; changed = true; }

  const status = text('status') as CiStatus;
  if (status && status !== ci.status) { patch.status = status; changed = true; }

  const description = (values.description as string | undefined) ?? '';
  if (description.trim() === '' ? (ci.description ?? '') !== '' : description !== (ci.description ?? '')) {
    patch.description = description.trim() === '' ? null : description;
    changed = true;
  }

  for (const field of [...OPTIONAL_TEXT_FIELDS, ...DATE_FIELDS] as (OptionalTextField | DateField)[]) {
    const next = text(field) || undefined;
    const before = (field === 'model' ? ci.model?.key : ci[field]) ?? undefined;
    if (next !== before) { patch[field] = next ?? null; changed = true; }
  }

  const positionText = text('positionU');
  if (positionText !== '' && !/^\d+$/.test(positionText)) errors.positionU = 'cmdb.edit.notAnInteger';
  else {
    const positionU = positionText === '' ? undefined : Number(positionText);
    if (positionU !== (ci.positionU ?? undefined)) { patch.positionU = positionU ?? null; changed = true; }
  }

  const face = (text('face') || undefined) as RackFace | undefined;
  if (face !== (ci.face ?? undefined)) { patch.face = face ?? null; changed = true; }

  const tags = commaList(text('tags'));
  if (!sameValue(tags, ci.tags)) { patch.tags = tags; changed = true; }

  const devices = commaList(text('devices'));
  if (!sameValue(devices, currentDevices(ci))) { patch.devices = devices; changed = true; }

  const attributes: Record<string, unknown> = { ...ci.attributes };
  let attributesChanged = false;
  for (const spec of attributeSpecsFor(ci.type, ci.attributes)) {
    const path = attributePath(spec.name);
    const parsed = parseAttribute(spec, values[path] ?? '');
    if (!parsed.ok) { errors[path] = parsed.error; continue; }
    if (sameValue(parsed.value, ci.attributes[spec.name])) continue;
    attributesChanged = true;
    if (parsed.value === undefined) delete attributes[spec.name];
    else attributes[spec.name] = parsed.value;
  }
  // The whole record goes: attributes are one value of the CI, validated together for its type.
  if (attributesChanged) { patch.attributes = attributes; changed = true; }

  return { patch: changed ? patch : undefined, errors };
}

/**
 * Puts each server issue next to the form field it names (`tags[2]` → `tags`, `attributes.ratedKw` →
 * that attribute); issues about fields the form does not show are returned as `general`.
 */
export function placeIssues(issues: readonly FieldIssue[], fieldPaths: readonly string[]): {
  byField: Record<string, string[]>;
  general: FieldIssue[];
} {
  const byField: Record<string, string[]> = {};
  const general: FieldIssue[] = [];
  // Longest first, so `attributes.ratedKw` wins over a hypothetical `attributes`.
  const candidates = [...fieldPaths].sort((a, b) => b.length - a.length);
  for (const issue of issues) {
    const field = candidates.find((path) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`));
    if (field) (byField[field] ??= []).push(issue.message);
    else general.push(issue);
  }
  return { byField, general };
}
