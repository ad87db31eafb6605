import type { RouteHandler } from '@hono/zod-openapi';
import { deviceExists, pointsByKey, upsertDevices, upsertPoints } from '../../../db/queries/devices.ts';
import type { EventInsert } from '../../../db/queries/events.ts';
import { writeSampleBatch, type SampleRow } from '../../../db/queries/samples.ts';
import { INGEST_LIMITS } from '../../contracts/ingest.ts';
import type { AppEnv } from '../../lib/context.ts';
import { describeIssues, errorJson, type FieldIssue } from '../../lib/errors.ts';
import type { postIngest } from './ingest.routes.ts';

/** Point key → id. Points are never renamed or deleted while the server runs, so entries never go stale. */
const pointIdCache = new WeakMap<object, Map<string, number>>();

export const handleIngest: RouteHandler<typeof postIngest, AppEnv> = async (c) => {
  const { db, bus, metrics, logger } = c.get('deps');
  const batch = c.req.valid('json');
  const issues: FieldIssue[] = [];

  // Timestamps: not before 2000, not from the future beyond clock-skew allowance.
  const latestAllowed = Date.now() + INGEST_LIMITS.maxFutureSkewMs;
  const tsMs = batch.samples.map((s, i) => {
    const t = Date.parse(s.ts);
    if (t < INGEST_LIMITS.earliestTs) issues.push({ path: `samples[${i}].ts`, message: 'before 2000-01-01' });
    else if (t > latestAllowed) issues.push({ path: `samples[${i}].ts`, message: 'in the future (check the collector clock)' });
    return t;
  });

  // Every referenced point must be declared in this batch or already known.
  let cache = pointIdCache.get(db);
  if (!cache) pointIdCache.set(db, (cache = new Map()));
  const declaredDevices = new Set(batch.devices.map((d) => d.name));
  const declaredPoints = new Set(batch.points.map((p) => p.key));
  const unknownKeys = [...new Set(batch.samples.map((s) => s.point))].filter((k) => !cache.has(k) && !declaredPoints.has(k));
  const known = new Set((await pointsByKey(db, unknownKeys)).map((p) => { cache.set(p.key, p.id); return p.key; }));
  batch.samples.forEach((s, i) => {
    if (!cache.has(s.point) && !declaredPoints.has(s.point) && !known.has(s.point)) {
      issues.push({ path: `samples[${i}].point`, message: `unknown point ${s.point}: declare it in points[]` });
    }
  });
  // Events: same time bounds; their device declared in this batch or already known.
  const events = batch.events ?? [];
  const eventDeviceKnown = new Map<string, boolean>();
  for (const [i, e] of events.entries()) {
    const t = Date.parse(e.ts);
    if (t < INGEST_LIMITS.earliestTs) issues.push({ path: `events[${i}].ts`, message: 'before 2000-01-01' });
    else if (t > latestAllowed) issues.push({ path: `events[${i}].ts`, message: 'in the future (check the collector clock)' });
    if (declaredDevices.has(e.device)) continue;
    if (!eventDeviceKnown.has(e.device)) eventDeviceKnown.set(e.device, await deviceExists(db, e.device));
    if (!eventDeviceKnown.get(e.device)) issues.push({ path: `events[${i}].device`, message: `unknown device ${e.device}: declare it in devices[]` });
  }
  const undeclaredDevices = batch.points.filter((p) => !declaredDevices.has(p.device)).map((p) => p.device);
  if (undeclaredDevices.length > 0) {
    for (const [i, p] of batch.points.entries()) {
      if (!declaredDevices.has(p.device) && !(await deviceExists(db, p.device))) {
        issues.push({ path: `points[${i}].device`, message: `unknown device ${p.device}: declare it in devices[]` });
      }
    }
  }

  if (issues.length > 0) {
    metrics.ingestRejectedBatches++;
    logger.warn({ collector: batch.collector, batchId: batch.batchId, issues: issues.slice(0, 5), count: issues.length }, 'ingest batch rejected');
    return errorJson(c, 400, 'invalid_request', describeIssues(issues), { target: 'json', issues });
  }

  await upsertDevices(db, batch.devices, batch.collector);
  await upsertPoints(db, batch.points);
  const missing = [...new Set(batch.samples.map((s) => s.point))].filter((k) => !cache.has(k));
  for (const p of await pointsByKey(db, missing)) cache.set(p.key, p.id);

  const rows: SampleRow[] = batch.samples.map((s, i) => ({
    pointId: cache.get(s.point)!, ts: new Date(tsMs[i]).toISOString(), value: s.value, quality: s.quality,
  }));
  const eventRows: EventInsert[] = events.map((e) => ({
    eventId: e.eventId, device: e.device, ts: new Date(Date.parse(e.ts)).toISOString(), source: e.source, name: e.name,
    severity: e.severity, message: e.message, attributes: e.attributes ?? {},
  }));
  const result = await writeSampleBatch(db, { batchId: batch.batchId, collector: batch.collector, rows, events: eventRows });

  if (result.duplicate) metrics.ingestDuplicateBatches++;
  else {
    metrics.ingestBatches++;
    metrics.ingestSamples += result.inserted;
    bus.publish(batch.samples.map((s) => ({ point: s.point, ts: s.ts, value: s.value, quality: s.quality })));
    const fresh = new Set(result.insertedEventIds);
    bus.publishEvents(eventRows.filter((e) => fresh.has(e.eventId)));
  }
  return c.json({
    batchId: batch.batchId, accepted: batch.samples.length, inserted: result.inserted, duplicate: result.duplicate,
    ...(batch.events ? { eventsInserted: result.insertedEventIds.length } : {}),
  }, 200);
};
