/**
 * Wire contract between collectors and the server's ingest route (POST /api/v1/ingest).
 * One zod schema is the single source of the TypeScript types, the validation and the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';

export const SAMPLE_QUALITIES = ['ok', 'stale', 'comm_loss', 'sentinel', 'out_of_range'] as const;
export const sampleQuality = z.enum(SAMPLE_QUALITIES);
export type SampleQuality = z.infer<typeof sampleQuality>;

/** `collector`: a Kiban collector reporting on itself (protocol `internal`). */
export const DEVICE_KINDS = ['ups', 'pdu', 'crac', 'sensor', 'meter', 'other', 'collector'] as const;
export const PROTOCOLS = ['snmp', 'modbus', 'mqtt', 'internal'] as const;

/** Limits that keep one request bounded in memory and time. */
export const INGEST_LIMITS = {
  maxSamples: 50_000,
  maxPoints: 10_000,
  maxDevices: 1_000,
  maxBodyBytes: 16 * 1024 * 1024,
  /** Samples may not claim to come from further in the future than this (clock skew allowance). */
  maxFutureSkewMs: 5 * 60_000,
  earliestTs: Date.parse('2000-01-01T00:00:00Z'),
  /** Events (traps, informs) per batch: far more than a storm of traps in one flush. */
  maxEvents: 1_000,
  /** JSON size of one event's attributes. */
  maxEventAttributeBytes: 8 * 1024,
} as const;

export const EVENT_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info', 'cleared'] as const;
export const EVENT_SOURCES = ['snmp-trap', 'snmp-inform', 'collector'] as const;

const name = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');
const metric = z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._]*$/, 'lower-case letters, digits, . and _ only');
/** A point key is `<device>/<metric>`, e.g. `ups-1/output.l1.power`. */
export const pointKey = z.string().min(3).max(257).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*\/[a-z0-9][a-z0-9._]*$/, 'expected <device>/<metric>');

/** Longest identity text accepted (sysDescr of real agents is up to 255 characters). */
export const IDENTITY_TEXT_MAX = 256;
const identityText = z.string().max(IDENTITY_TEXT_MAX);

/**
 * What a device says about itself when the collector asks (SNMP sysDescr/sysObjectID and the vendor's
 * nameplate objects, Modbus identity registers), as read: the configuration audit compares it with the CMDB.
 */
export const deviceIdentity = z.strictObject({
  sysDescr: identityText.optional().openapi({ description: 'SNMP sysDescr.0' }),
  sysObjectId: identityText.optional().openapi({ description: 'SNMP sysObjectID.0, dotted', example: '1.3.6.1.4.1.13742.6' }),
  vendor: identityText.optional().openapi({ description: 'manufacturer as the device reports it' }),
  model: identityText.optional(),
  serial: identityText.optional(),
  firmware: identityText.optional(),
  outletCount: z.number().int().min(0).max(1000).optional().openapi({ description: 'outlets of a PDU' }),
}).openapi('DeviceIdentity');
export type DeviceIdentity = z.infer<typeof deviceIdentity>;
export const DEVICE_IDENTITY_FIELDS = ['sysDescr', 'sysObjectId', 'vendor', 'model', 'serial', 'firmware', 'outletCount'] as const satisfies ReadonlyArray<keyof DeviceIdentity>;

export const deviceDecl = z.object({
  name,
  kind: z.enum(DEVICE_KINDS),
  protocol: z.enum(PROTOCOLS),
  address: z.string().max(255).optional().openapi({ description: 'host:port the collector polls' }),
  vendor: z.string().max(128).optional(),
  model: z.string().max(128).optional(),
  profile: z.string().max(128).optional().openapi({ description: 'collector profile that decodes this device' }),
  identity: deviceIdentity.optional()
    .openapi({ description: 'what the device reported about itself at the last identity read; absent = unchanged (the stored identity is kept)' }),
}).openapi('DeviceDeclaration');
export type DeviceDecl = z.infer<typeof deviceDecl>;

export const pointDecl = z.object({
  key: pointKey,
  device: name,
  metric,
  unit: z.string().max(32).openapi({ description: 'UCUM-style unit, e.g. W, V, A, Hz, %, degC, s, min, Wh; empty for dimensionless enums' }),
  kind: z.enum(['gauge', 'counter']),
  role: z.string().max(128).optional().openapi({ description: 'what the point means to energy/capacity/alarms, e.g. ups.output.power' }),
  description: z.string().max(512).optional(),
  states: z.record(z.string().regex(/^-?\d+$/, 'state keys are integer values'), z.string().min(1).max(64)).optional()
    .openapi({ description: 'labels of an enumerated point, e.g. {"2": "batteryNormal"}', example: { 2: 'batteryNormal', 3: 'batteryLow' } }),
}).refine((p) => p.key === `${p.device}/${p.metric}`, { message: 'key must equal <device>/<metric>', path: ['key'] })
  .openapi('PointDeclaration');
export type PointDecl = z.infer<typeof pointDecl>;
export type PointStates = Record<string, string>;

export const sample = z.object({
  point: pointKey,
  ts: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-22T01:00:00.000Z' }),
  value: z.number().finite().nullable().openapi({ description: 'null only when quality is not ok' }),
  quality: sampleQuality,
}).refine((s) => s.value !== null || s.quality !== 'ok', { message: 'value is required when quality is ok', path: ['value'] })
  .openapi('Sample');
export type Sample = z.infer<typeof sample>;

export const ingestEvent = z.object({
  eventId: z.uuid().openapi({ description: 'chosen by the collector; a replayed event changes nothing' }),
  device: name,
  ts: z.iso.datetime({ offset: true }).openapi({ description: 'when the collector received it', example: '2026-11-22T01:00:00.000Z' }),
  source: z.enum(EVENT_SOURCES),
  name: z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._]*$/, 'lower-case letters, digits, . and _ only')
    .openapi({ description: 'stable machine name from the profile', example: 'ups.on_battery' }),
  severity: z.enum(EVENT_SEVERITIES),
  message: z.string().max(1024),
  attributes: z.record(z.string().max(128), z.unknown()).default({})
    .refine((a) => JSON.stringify(a).length <= INGEST_LIMITS.maxEventAttributeBytes, `attributes larger than ${INGEST_LIMITS.maxEventAttributeBytes} bytes of JSON`)
    .openapi({ description: 'decoded details: trap OID, varbinds by name, agent address' }),
}).openapi('IngestEvent');
export type IngestEvent = z.input<typeof ingestEvent>;

const batchHead = {
  batchId: z.uuid().openapi({ description: 'idempotency key: a replayed batch changes nothing' }),
  collector: name,
  devices: z.array(deviceDecl).max(INGEST_LIMITS.maxDevices).default([]),
  points: z.array(pointDecl).max(INGEST_LIMITS.maxPoints).default([]),
  events: z.array(ingestEvent).max(INGEST_LIMITS.maxEvents).optional()
    .openapi({ description: 'things that happened (SNMP traps, informs); stored with the samples, all or nothing' }),
};

export const ingestBatch = z.object({
  ...batchHead,
  samples: z.array(sample).max(INGEST_LIMITS.maxSamples),
}).openapi('IngestBatch');

/**
 * Everything of a batch but its samples. The route validates the samples with `checkSamples` instead of
 * `sample`: the same rules and messages without building one zod result per sample (50,000 per batch).
 */
export const ingestBatchHead = z.object(batchHead);

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const POINT_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]*\/[a-z0-9][a-z0-9._]*$/;
const QUALITIES = new Set<string>(SAMPLE_QUALITIES);

export interface CheckedSamples {
  /** Epoch milliseconds of each sample (NaN where its ts is invalid). */
  tsMs: Float64Array;
  /** The newest of them (-Infinity when none is valid). */
  newestMs: number;
  issues: Array<{ path: string; message: string }>;
}

/**
 * Validates `samples` against the `sample` schema (same rules: point key, ISO-8601 timestamp with offset,
 * finite number or null, known quality, a value when quality is ok) in one pass over plain objects.
 * Stops collecting after `maxIssues`.
 */
export function checkSamples(samples: unknown[], maxIssues = 100): CheckedSamples {
  const checker = new SampleChecker(samples, maxIssues);
  checker.check(0, samples.length);
  return checker.result();
}

/** checkSamples in slices: `check(from, to)` as many times as needed (in order), then `result()`. */
export class SampleChecker {
  private readonly issues: Array<{ path: string; message: string }> = [];
  private readonly tsMs: Float64Array;
  private readonly goodKeys = new Set<string>();
  private newestMs = -Infinity;

  constructor(private readonly samples: unknown[], private readonly maxIssues = 100) {
    this.tsMs = new Float64Array(samples.length);
  }

  check(from: number, to: number): void {
    const { samples, tsMs, goodKeys, issues, maxIssues } = this;
    const bad = (i: number, field: string, message: string) => { if (issues.length < maxIssues) issues.push({ path: field ? `samples[${i}].${field}` : `samples[${i}]`, message }); };
    let newestMs = this.newestMs;
    for (let i = from; i < to; i++) {
      const s = samples[i] as Record<string, unknown> | null;
      tsMs[i] = NaN;
      if (typeof s !== 'object' || s === null || Array.isArray(s)) { bad(i, '', 'expected object'); continue; }
      const { point, ts, value, quality } = s;
      if (typeof point !== 'string') bad(i, 'point', `expected string, received ${kindOf(point)}`);
      else if (!goodKeys.has(point)) {
        if (point.length < 3 || point.length > 257 || !POINT_KEY_RE.test(point)) bad(i, 'point', 'expected <device>/<metric>');
        else goodKeys.add(point);
      }
      if (typeof ts !== 'string') bad(i, 'ts', `expected string, received ${kindOf(ts)}`);
      else {
        const t = TS_RE.test(ts) && realDate(ts) ? Date.parse(ts) : NaN;
        if (Number.isNaN(t)) bad(i, 'ts', 'Invalid ISO datetime');
        else { tsMs[i] = t; if (t > newestMs) newestMs = t; }
      }
      if (value === null) { if (quality === 'ok') bad(i, 'value', 'value is required when quality is ok'); }
      else if (typeof value !== 'number') bad(i, 'value', `expected number, received ${kindOf(value)}`);
      else if (!Number.isFinite(value)) bad(i, 'value', 'expected a finite number (1e400 and the like overflow to Infinity)');
      if (typeof quality !== 'string' || !QUALITIES.has(quality)) bad(i, 'quality', `expected one of ${SAMPLE_QUALITIES.join('|')}`);
    }
    this.newestMs = newestMs;
  }

  result(): CheckedSamples {
    return { tsMs: this.tsMs, newestMs: this.newestMs, issues: this.issues };
  }
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/**
 * Date.parse rolls impossible dates over (2026-02-30 becomes 2026-03-02, 24:00 the next day): refuse them, as
 * the database would. `ts` already matches TS_RE, so the digits are where this reads them.
 */
function realDate(ts: string): boolean {
  const y = +ts.slice(0, 4); const m = +ts.slice(5, 7); const d = +ts.slice(8, 10); const h = +ts.slice(11, 13);
  if (m < 1 || m > 12 || d < 1 || h > 23) return false;
  if (d > DAYS[m - 1]) return false;
  return !(m === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0)));
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : v === undefined ? 'undefined' : Array.isArray(v) ? 'array' : typeof v;
}

export type IngestBatch = z.input<typeof ingestBatch>;

export const ingestResult = z.object({
  batchId: z.uuid(),
  accepted: z.number().int().openapi({ description: 'samples in the batch, now committed' }),
  inserted: z.number().int().openapi({ description: 'samples newly written (a replay inserts 0)' }),
  duplicate: z.boolean().openapi({ description: 'true when this batchId was committed before' }),
  eventsInserted: z.number().int().optional().openapi({ description: 'events newly written (present when the batch carried events)' }),
}).openapi('IngestResult');
export type IngestResult = z.infer<typeof ingestResult>;
