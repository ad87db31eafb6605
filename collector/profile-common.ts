/**
 * Fields every profile point has, whatever the protocol: what the reading is called, its unit, whether
 * it is a gauge or a counter, its role and how to judge it. The protocol-specific "where and how to read
 * it" fields live with each driver (drivers/<protocol>/profile-schema.ts).
 */
import { z } from 'zod';

export const metricName = z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._]*$/, 'lower-case letters, digits, . and _ only');

export const commonPointFields = {
  metric: metricName,
  unit: z.string().max(32),
  kind: z.enum(['gauge', 'counter']),
  role: z.string().min(1).max(128).optional(),
  description: z.string().max(512).optional(),
  /** Labels of an enumerated point (raw integer value → state name), shown instead of the number. */
  states: z.record(z.string().regex(/^-?\d+$/, 'state keys are integer values'), z.string().min(1).max(64)).optional(),
  /** Raw values that mean "not available" on this device (e.g. -1, 65535): quality `sentinel`. */
  sentinels: z.array(z.number()).optional(),
  /** Plausible range after scaling; values outside keep their value with quality `out_of_range`. */
  valid: z.strictObject({ min: z.number().optional(), max: z.number().optional() }).optional(),
};

/**
 * A profile's `identity` section: where each identity field (DeviceIdentity in the ingest contract) is read
 * from, in the protocol's terms (an OID, a register run, a JSON path). Every field is optional; a profile maps
 * what its devices serve.
 */
export function identityMapSchema<S extends z.ZodType>(source: S) {
  return z.strictObject({
    sysDescr: source.optional(),
    sysObjectId: source.optional(),
    vendor: source.optional(),
    model: source.optional(),
    serial: source.optional(),
    firmware: source.optional(),
    outletCount: source.optional(),
  }).refine((m) => Object.values(m).some((v) => v !== undefined), 'map at least one identity field (sysDescr, sysObjectId, vendor, model, serial, firmware, outletCount)');
}
