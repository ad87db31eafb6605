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

export const deviceDecl = z.object({
  name,
  kind: z.enum(DEVICE_KINDS),
  protocol: z.enum(PROTOCOLS),
  address: z.string().max(255).optional().openapi({ description: 'host:port the collector polls' }),
  vendor: z.string().max(128).optional(),
  model: z.string().max(128).optional(),
  profile: z.string().max(128).optional().openapi({ description: 'collector profile that decodes this device' }),
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

export const ingestBatch = z.object({
  batchId: z.uuid().openapi({ description: 'idempotency key: a replayed batch changes nothing' }),
  collector: name,
  devices: z.array(deviceDecl).max(INGEST_LIMITS.maxDevices).default([]),
  points: z.array(pointDecl).max(INGEST_LIMITS.maxPoints).default([]),
  samples: z.array(sample).max(INGEST_LIMITS.maxSamples),
  events: z.array(ingestEvent).max(INGEST_LIMITS.maxEvents).optional()
    .openapi({ description: 'things that happened (SNMP traps, informs); stored with the samples, all or nothing' }),
}).openapi('IngestBatch');
export type IngestBatch = z.input<typeof ingestBatch>;

export const ingestResult = z.object({
  batchId: z.uuid(),
  accepted: z.number().int().openapi({ description: 'samples in the batch, now committed' }),
  inserted: z.number().int().openapi({ description: 'samples newly written (a replay inserts 0)' }),
  duplicate: z.boolean().openapi({ description: 'true when this batchId was committed before' }),
  eventsInserted: z.number().int().optional().openapi({ description: 'events newly written (present when the batch carried events)' }),
}).openapi('IngestResult');
export type IngestResult = z.infer<typeof ingestResult>;
