import type { Context } from 'hono';
import { deviceExists, pointsByKey, upsertDevices, upsertPoints } from '../../../db/queries/devices.ts';
import type { EventInsert } from '../../../db/queries/events.ts';
import { writeSampleBatch, type SampleRow } from '../../../db/queries/samples.ts';
import { INGEST_LIMITS, ingestBatchHead, SampleChecker, type CheckedSamples } from '../../contracts/ingest.ts';
import type { AppEnv } from '../../lib/context.ts';
import { describeIssues, errorJson, fieldIssues, type FieldIssue } from '../../lib/errors.ts';
import { ingestGate, Overloaded } from './ingest.gate.ts';

/** Point key → id. Points are never renamed or deleted while the server runs, so entries never go stale. */
const pointIdCache = new WeakMap<object, Map<string, number>>();

class TooLarge extends Error {}

/** `Date.prototype.toISOString()` form, what collectors send: stored as is. */
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Lets the event loop run timers and I/O between the steps of a large batch. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Samples per step of per-sample work (checks, rows) between yields: a few milliseconds of JavaScript. */
const STEP = 2500;

let cpuTail: Promise<void> = Promise.resolve();
/**
 * The CPU turn: parsing and checking a batch is done by one request at a time, in steps with a yield to the
 * event loop between them. Without it, N large batches arriving together each do a
 * step in the same event-loop turn, and that turn — the stall every other request and timer sees — grows with
 * N. The work is single-threaded anyway, so taking turns costs no throughput. Resolves to the release function.
 */
function cpuTurn(): Promise<() => void> {
  let release!: () => void;
  const done = new Promise<void>((resolve) => { release = resolve; });
  const turn = cpuTail.then(() => release);
  cpuTail = cpuTail.then(() => done);
  return turn;
}

/**
 * POST /api/v1/ingest. In order, each step refusing before the next costs anything:
 * declared size (413, body unread) → backpressure (503 + Retry-After, body unread) → body read with a cap
 * (413 as soon as it passes the limit) → write slot (503 when the database is behind) → JSON (400) → sample
 * count (413, before any per-sample work) → shape and values (400 naming each field) → time bounds and
 * unknown points/devices (400) → one transaction → 200 after commit.
 */
export async function handleIngest(c: Context<AppEnv>) {
  const deps = c.get('deps');
  const { db, metrics, logger } = deps;
  const reject = (status: 400 | 413, code: string, message: string, details?: unknown) => {
    metrics.ingestRejectedBatches++;
    return errorJson(c, status, code, message, details);
  };
  // The rest of an oversized body is never read: the connection closes after the answer.
  const tooLarge = () => (c.header('Connection', 'close'), reject(413, 'payload_too_large',
    `request body exceeds ${INGEST_LIMITS.maxBodyBytes} bytes; send at most ${INGEST_LIMITS.maxSamples} samples per batch`));

  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > INGEST_LIMITS.maxBodyBytes) return tooLarge();

  const gate = ingestGate(db);
  let releaseBytes: () => void;
  try {
    releaseBytes = gate.admit(Number.isFinite(declared) ? declared : INGEST_LIMITS.maxBodyBytes);
  } catch (err) {
    if (err instanceof Overloaded) return overloaded(c, err);
    throw err;
  }
  try {
    let text: string;
    try {
      text = await readCapped(c.req.raw, INGEST_LIMITS.maxBodyBytes);
    } catch (err) {
      if (err instanceof TooLarge) return tooLarge();
      throw err;
    }
    // The write slot is taken before parsing: batches waiting for the database wait as one string each, not
    // as 10,000 parsed objects that the garbage collector would copy and promote while they wait.
    const releaseSlot = await gate.acquire();
    try {
      const parsed = await parseBatch(text, reject);
      text = '';
      if (parsed instanceof Response) return parsed;
      return await writeBatch(c, parsed.batch, parsed.checked, reject);
    } finally {
      releaseSlot();
    }
  } catch (err) {
    if (err instanceof Overloaded) return overloaded(c, err);
    throw err;
  } finally {
    releaseBytes();
  }
}

type Reject = (status: 400 | 413, code: string, message: string, details?: unknown) => Response;

/** JSON → batch head (zod) and samples (SampleChecker), in steps, in this request's CPU turn; or the 4xx. */
async function parseBatch(text: string, reject: Reject): Promise<Response | { batch: Batch; checked: CheckedSamples }> {
  const releaseCpu = await cpuTurn();
  try {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return reject(400, 'invalid_request', `body is not JSON: ${(err as Error).message}`, { target: 'json', issues: [{ path: '', message: 'malformed JSON' }] });
    }
    await yieldToLoop();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return reject(400, 'invalid_request', '(body): expected an object', { target: 'json', issues: [{ path: '', message: 'expected an object' }] });
    }
    const rawSamples = (body as { samples?: unknown }).samples;
    if (!Array.isArray(rawSamples)) {
      const issues = [{ path: 'samples', message: `expected array, received ${rawSamples === undefined ? 'undefined' : typeof rawSamples}` }];
      return reject(400, 'invalid_request', describeIssues(issues), { target: 'json', issues });
    }
    if (rawSamples.length > INGEST_LIMITS.maxSamples) {
      const issues = [{ path: 'samples', message: `${rawSamples.length} samples; at most ${INGEST_LIMITS.maxSamples} per batch` }];
      return reject(413, 'too_many_samples', describeIssues(issues), { target: 'json', issues });
    }
    const headResult = ingestBatchHead.safeParse(body);
    const checker = new SampleChecker(rawSamples);
    for (let from = 0; from < rawSamples.length; from += STEP) {
      if (from > 0) await yieldToLoop();
      checker.check(from, Math.min(rawSamples.length, from + STEP));
    }
    const checked = checker.result();
    const shapeIssues = [...(headResult.success ? [] : fieldIssues(headResult.error.issues)), ...checked.issues];
    if (shapeIssues.length > 0 || !headResult.success) {
      return reject(400, 'invalid_request', describeIssues(shapeIssues), { target: 'json', issues: shapeIssues });
    }
    return { batch: { ...headResult.data, samples: rawSamples as Batch['samples'] }, checked };
  } finally {
    releaseCpu();
  }
}

function overloaded(c: Context<AppEnv>, err: Overloaded) {
  c.get('deps').logger.warn({ reason: err.message }, 'ingest refused: overloaded');
  c.header('Retry-After', String(err.retryAfterS));
  return errorJson(c, 503, 'overloaded', `${err.message}; retry after ${err.retryAfterS} s`);
}

/**
 * A lingering close: reads and drops what the client is still sending, for at most 1 s and 64 MiB, before the
 * 413 goes out and the connection closes. Closing a socket with unread data makes the kernel answer with a TCP
 * reset, and a reset makes the client discard our 413 before it reads it — it would see "connection reset"
 * instead of the reason.
 */
async function drainBriefly(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const until = Date.now() + 1000;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    while (dropped < 64 * 1024 * 1024) {
      const left = until - Date.now();
      if (left <= 0) break;
      const next = await Promise.race([reader.read(), new Promise<null>((r) => { timer = setTimeout(() => r(null), left); })]);
      clearTimeout(timer);
      if (next === null || next.done) break;
      dropped += next.value.byteLength;
    }
  } catch { /* the client went away: nothing left to drain */ }
  await reader.cancel().catch(() => {});
}

/** The request body as text, refusing (TooLarge) as soon as more than `max` bytes have arrived. */
async function readCapped(req: Request, max: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await drainBriefly(reader);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

type Batch = {
  batchId: string; collector: string;
  devices: Parameters<typeof upsertDevices>[1]; points: Parameters<typeof upsertPoints>[1];
  events?: Array<{ eventId: string; device: string; ts: string; source: EventInsert['source']; name: string; severity: EventInsert['severity']; message: string; attributes?: Record<string, unknown> }>;
  samples: Array<{ point: string; ts: string; value: number | null; quality: SampleRow['quality'] }>;
};

async function writeBatch(
  c: Context<AppEnv>, batch: Batch, checked: CheckedSamples, reject: Reject,
) {
  const { db, bus, metrics, logger } = c.get('deps');
  const issues: FieldIssue[] = [];
  const { tsMs } = checked;

  // Timestamps: not before 2000, not from the future beyond clock-skew allowance.
  const latestAllowed = Date.now() + INGEST_LIMITS.maxFutureSkewMs;
  for (let i = 0; i < tsMs.length && issues.length < 100; i++) {
    const t = tsMs[i];
    if (t < INGEST_LIMITS.earliestTs) issues.push({ path: `samples[${i}].ts`, message: 'before 2000-01-01' });
    else if (t > latestAllowed) issues.push({ path: `samples[${i}].ts`, message: 'in the future (check the collector clock)' });
  }
  if (issues.length > 0) return rejectIssues();

  {
    // Every referenced point must be declared in this batch or already known.
    let cache = pointIdCache.get(db);
    if (!cache) pointIdCache.set(db, (cache = new Map()));
    const declaredDevices = new Set(batch.devices.map((d) => d.name));
    const declaredPoints = new Set(batch.points.map((p) => p.key));
    const uncached = new Set<string>();
    for (const s of batch.samples) if (!cache.has(s.point)) uncached.add(s.point);
    if (uncached.size > 0) {
      const lookup = [...uncached].filter((k) => !declaredPoints.has(k));
      for (const p of await pointsByKey(db, lookup)) cache.set(p.key, p.id);
      batch.samples.forEach((s, i) => {
        if (!cache.has(s.point) && !declaredPoints.has(s.point)) {
          issues.push({ path: `samples[${i}].point`, message: `unknown point ${s.point}: declare it in points[]` });
        }
      });
    }
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

    if (issues.length > 0) return rejectIssues();

    await upsertDevices(db, batch.devices, batch.collector);
    await upsertPoints(db, batch.points);
    const missing = [...uncached].filter((k) => !cache.has(k));
    if (missing.length > 0) for (const p of await pointsByKey(db, missing)) cache.set(p.key, p.id);

    // The collector's own timestamps (toISOString) go to the database as they are; others are normalised.
    const rows: SampleRow[] = new Array(batch.samples.length);
    // In steps, but without waiting for the CPU turn: this batch holds a write slot and is ready to write.
    for (let from = 0; from < rows.length; from += STEP) {
      if (from > 0) await yieldToLoop();
      for (let i = from, to = Math.min(rows.length, from + STEP); i < to; i++) {
        const s = batch.samples[i];
        rows[i] = { pointId: cache.get(s.point)!, ts: CANONICAL_TS.test(s.ts) ? s.ts : new Date(tsMs[i]).toISOString(), value: s.value, quality: s.quality };
      }
    }
    const eventRows: EventInsert[] = events.map((e) => ({
      eventId: e.eventId, device: e.device, ts: new Date(Date.parse(e.ts)).toISOString(), source: e.source, name: e.name,
      severity: e.severity, message: e.message, attributes: e.attributes ?? {},
    }));
    const result = await writeSampleBatch(db, { batchId: batch.batchId, collector: batch.collector, rows, events: eventRows });

    if (result.duplicate) metrics.ingestDuplicateBatches++;
    else {
      metrics.ingestBatches++;
      metrics.ingestSamples += result.inserted;
      bus.publish(batch.samples.map((s) => ({ point: s.point, ts: s.ts, value: s.value, quality: s.quality })), checked.newestMs);
      const fresh = new Set(result.insertedEventIds);
      bus.publishEvents(eventRows.filter((e) => fresh.has(e.eventId)));
    }
    return c.json({
      batchId: batch.batchId, accepted: batch.samples.length, inserted: result.inserted, duplicate: result.duplicate,
      ...(batch.events ? { eventsInserted: result.insertedEventIds.length } : {}),
    }, 200);
  }

  function rejectIssues() {
    logger.warn({ collector: batch.collector, batchId: batch.batchId, issues: issues.slice(0, 5), count: issues.length }, 'ingest batch rejected');
    return reject(400, 'invalid_request', describeIssues(issues), { target: 'json', issues });
  }
}
