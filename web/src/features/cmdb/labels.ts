/**
 * Words and formats of the CMDB pages: CI types, statuses, relationship kinds, attribute names and values in
 * the current language; ISO dates and attribute values with their units. Values the catalog does not know
 * (a new enum value, a custom attribute) are shown as the server sent them rather than hidden.
 */
import type { CiModelView, CiStatus, CiType, ImpactEffect, RelationKind } from '../../api/cmdb.ts';
import { en } from '../../i18n/en.ts';
import { formatNumber, locale, t, type MessageKey } from '../../i18n/index.ts';
import { ATTRIBUTE_SPECS, type AttributeSpec } from './ciAttributes.ts';

/** The message for a key built at run time, or undefined when the catalog has no such key. */
export function tMaybe(key: string, params?: Record<string, string | number>): string | undefined {
  return key in en ? t(key as MessageKey, params) : undefined;
}

export const typeLabel = (type: CiType | string) => tMaybe(`cmdb.type.${type}`) ?? type;
export const statusLabel = (status: CiStatus | string) => tMaybe(`cmdb.status.${status}`) ?? status;
export const effectLabel = (effect: ImpactEffect | string) => tMaybe(`cmdb.effect.${effect}`) ?? effect;
export const faceLabel = (face: string) => tMaybe(`cmdb.face.${face}`) ?? face;
export const severityLabel = (severity: string) => tMaybe(`cmdb.severity.${severity}`) ?? severity;

/** "Powered by" when this CI is the relation's `from`, "Powers" when it is the `to`. */
export function relationLabel(kind: RelationKind | string, outgoing: boolean): string {
  return tMaybe(`cmdb.${outgoing ? 'relation' : 'relationInverse'}.${kind}`) ?? kind;
}

export const attributeLabel = (name: string) => tMaybe(`cmdb.attr.${name}`) ?? name;

/** Label of a field named in history or validation errors: `status`, `attributes.ratedKw`, `model`. */
export function fieldLabel(field: string): string {
  const attribute = /^attributes\.(.+)$/.exec(field);
  if (attribute) return attributeLabel(attribute[1]);
  return tMaybe(`cmdb.field.${field}`) ?? tMaybe(`cmdb.attr.${field}`) ?? field;
}

export function enumLabel(attribute: string, value: string): string {
  return tMaybe(`cmdb.enum.${attribute}.${value}`) ?? value;
}

/** "Vendor Model", or the library key when only that is known (a past state). */
export function modelName(model: CiModelView): string {
  return [model.vendor, model.model].filter(Boolean).join(' ') || model.key;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** An ISO calendar date (`2027-03-31`) in the reader's language; the day is the same wherever they are. */
export function formatIsoDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return isoDate;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  let format = dateFormats.get(locale());
  if (!format) {
    format = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' });
    dateFormats.set(locale(), format);
  }
  return format.format(ms);
}

/** True when an ISO date lies before today (local calendar): an expired warranty or support contract. */
export function isPastDate(isoDate: string, now = new Date()): boolean {
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate) && isoDate < today;
}

/** A number with its unit, as facility people write it: `40 kVA`, `42 U`, `0.8` → `80%` for a fraction. */
export function formatQuantity(value: number, unit?: string, fraction = false): string {
  if (fraction) return `${formatNumber(value * 100, 1)}%`;
  const number = formatNumber(value, Number.isInteger(value) ? 0 : 2);
  if (!unit) return number;
  return unit === '°' || unit === '%' ? `${number}${unit}` : `${number} ${unit}`;
}

export function formatAttribute(spec: AttributeSpec, value: unknown): string {
  if (value === undefined || value === null || value === '') return t('app.none');
  switch (spec.kind) {
    case 'number':
      return typeof value === 'number' ? formatQuantity(value, spec.unit, spec.fraction) : String(value);
    case 'boolean':
      return value === true ? t('cmdb.yes') : value === false ? t('cmdb.no') : String(value);
    case 'enum':
      return enumLabel(spec.name, String(value));
    case 'list':
      return Array.isArray(value) ? value.map((item) => enumLabel(spec.name, String(item))).join(', ') : String(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/**
 * A before/after value in the history: dates and enums readable, attributes with their units (when the
 * CI type is known), objects as compact JSON.
 */
export function formatChangeValue(field: string, value: unknown, ciType?: CiType): string {
  if (value === undefined || value === null || value === '') return t('cmdb.history.empty');
  const attributeName = /^attributes\.(.+)$/.exec(field)?.[1];
  const spec = attributeName && ciType ? ATTRIBUTE_SPECS[ciType]?.find((s) => s.name === attributeName) : undefined;
  if (spec) return formatAttribute(spec, value);
  if (typeof value === 'string') {
    if (field === 'status') return statusLabel(value);
    if (field === 'kind') return relationLabel(value, true);
    if (field === 'type') return typeLabel(value);
    if (field === 'face') return faceLabel(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatIsoDate(value);
    const attribute = /^attributes\.(.+)$/.exec(field);
    if (attribute) return enumLabel(attribute[1], value);
    return value;
  }
  if (typeof value === 'number') return formatNumber(value, Number.isInteger(value) ? 0 : 3);
  if (typeof value === 'boolean') return value ? t('cmdb.yes') : t('cmdb.no');
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(', ');
  return JSON.stringify(value);
}

/** `U12–U13` for a 2U device at U12; `U12` when the height is unknown or 1U. */
export function formatUnitRange(positionU: number, uHeight?: number | null): string {
  const height = uHeight && uHeight > 1 ? uHeight : 1;
  return height === 1 ? t('cmdb.ci.uSingle', { from: positionU }) : t('cmdb.ci.uRange', { from: positionU, to: positionU + height - 1 });
}
