/**
 * Device identity as the collector declares it: what a device says about itself (sysDescr, vendor, model,
 * serial, firmware, outlet count), read when polling of the device starts and again every
 * `identityIntervalMs`, declared with the device in the next batch. The server keeps the last identity
 * declared; the configuration audit compares it with the CMDB.
 */
import { DEVICE_IDENTITY_FIELDS, IDENTITY_TEXT_MAX, type DeviceIdentity } from '../server/contracts/ingest.ts';

/** How often a device's identity is read again (a swapped unit shows up within this long). */
export const DEFAULT_IDENTITY_INTERVAL_MS = 10 * 60_000;
/** After a failed identity read, try again this soon (or at the interval, if shorter). */
export const IDENTITY_RETRY_MS = 60_000;
/** One identity read (a few requests) gives up after this long. */
export const IDENTITY_READ_TIMEOUT_MS = 10_000;

export type IdentityField = (typeof DEVICE_IDENTITY_FIELDS)[number];
/** Raw values by field, as a driver read them (strings, numbers; undefined where the device had nothing). */
export type RawIdentity = Partial<Record<IdentityField, string | number | undefined>>;

/**
 * The contract's identity from raw values: text trimmed of NULs, control characters and blanks and cut to
 * IDENTITY_TEXT_MAX; outletCount an integer 0..1000 (else left out); empty values left out. Undefined when
 * nothing is left.
 */
export function normalizeIdentity(raw: RawIdentity): DeviceIdentity | undefined {
  const out: DeviceIdentity = {};
  for (const field of DEVICE_IDENTITY_FIELDS) {
    const value = raw[field];
    if (value === undefined) continue;
    if (field === 'outletCount') {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (Number.isInteger(n) && n >= 0 && n <= 1000) out.outletCount = n;
      continue;
    }
    // eslint-disable-next-line no-control-regex
    const text = String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, IDENTITY_TEXT_MAX).trim();
    if (text) out[field] = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Same identity (field by field), so an unchanged re-read does not re-declare anything new. */
export function sameIdentity(a: DeviceIdentity | undefined, b: DeviceIdentity | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return DEVICE_IDENTITY_FIELDS.every((f) => a[f] === b[f]);
}
