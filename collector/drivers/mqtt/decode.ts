/**
 * Pure decoding of MQTT messages by a profile: JSON payload → one reading per point, the reading's
 * time, and the availability topic's online/offline. Never throws: whatever a sensor sends, every point
 * gets a reading, and what was wrong is said in `problems` for the log.
 */
import { z } from 'zod';
import type { DeviceIdentity, SampleQuality } from '../../../server/contracts/ingest.ts';
import { normalizeIdentity, type IdentityField, type RawIdentity } from '../../identity.ts';
import type { MqttProfile } from '../../profile.ts';
import type { RawReading } from '../types.ts';

/** A payload time older than this or further ahead than this is not believed; the receive time is used. */
export const MAX_PAYLOAD_AGE_MS = 24 * 3600_000;
export const MAX_PAYLOAD_FUTURE_MS = 5 * 60_000;

export interface DecodedPayload {
  /** ISO 8601: the payload's time when present and plausible, else the receive time. */
  ts: string;
  readings: RawReading[];
  /** Why points are not ok (or why the time was not used), e.g. `not JSON: Unexpected end of JSON input`. */
  problems: string[];
  /** What the message says about the device (the profile's `identity` paths), when it says anything. */
  identity?: DeviceIdentity;
}

const finiteNumber = z.number().finite();
const isoTime = z.iso.datetime({ offset: true });

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? (/^\d+$/.test(key) ? cur[Number(key)] : undefined) : (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'number') return String(v);
  return Array.isArray(v) ? 'array' : typeof v;
}

export function qualityOf(value: number, point: { sentinels?: number[]; valid?: { min?: number; max?: number } }): { value: number | null; quality: SampleQuality } {
  if (point.sentinels?.includes(value)) return { value: null, quality: 'sentinel' };
  const { min, max } = point.valid ?? {};
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) return { value, quality: 'out_of_range' };
  return { value, quality: 'ok' };
}

function payloadTime(profile: MqttProfile, doc: unknown, receivedAtMs: number, problems: string[]): string {
  const received = new Date(receivedAtMs).toISOString();
  if (!profile.timestamp) return received;
  const raw = at(doc, profile.timestamp);
  if (raw === undefined) return received;
  if (!isoTime.safeParse(raw).success) {
    problems.push(`${profile.timestamp}: expected an ISO 8601 time, got ${describe(raw)}; using the receive time`);
    return received;
  }
  const ms = Date.parse(raw as string);
  if (ms < receivedAtMs - MAX_PAYLOAD_AGE_MS || ms > receivedAtMs + MAX_PAYLOAD_FUTURE_MS) {
    problems.push(`${profile.timestamp}: ${raw as string} is too far from the receive time ${received}; using the receive time`);
    return received;
  }
  return new Date(ms).toISOString();
}

/** Decode one data message. A payload that is not JSON gives every point `sentinel` with value null. */
export function decodePayload(profile: MqttProfile, payload: Buffer | string, receivedAtMs: number): DecodedPayload {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return {
      ts: new Date(receivedAtMs).toISOString(),
      readings: profile.points.map((p) => ({ metric: p.metric, value: null, quality: 'sentinel' })),
      problems: [`not JSON: ${(err as Error).message}`],
    };
  }
  const problems: string[] = [];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push(`expected a JSON object, got ${describe(doc)}`);
  }
  const ts = payloadTime(profile, doc, receivedAtMs, problems);
  const readings = profile.points.map((p): RawReading => {
    const raw = at(doc, p.path);
    const parsed = finiteNumber.safeParse(raw);
    if (!parsed.success) {
      if (problems.length === 0 || !problems[0].startsWith('expected a JSON object')) problems.push(`${p.path}: expected a finite number, got ${describe(raw)}`);
      return { metric: p.metric, value: null, quality: 'sentinel' };
    }
    const scaled = p.scale !== undefined ? parsed.data * p.scale : parsed.data;
    return { metric: p.metric, ...qualityOf(scaled, p) };
  });
  const identity = identityOf(profile, doc);
  return { ts, readings, problems, ...(identity ? { identity } : {}) };
}

/** Identity fields at the profile's paths: strings and numbers only (anything else is left out). */
function identityOf(profile: MqttProfile, doc: unknown): DeviceIdentity | undefined {
  if (!profile.identity) return undefined;
  const raw: RawIdentity = {};
  for (const [field, path] of Object.entries(profile.identity) as Array<[IdentityField, string | undefined]>) {
    const value = path === undefined ? undefined : at(doc, path);
    if (typeof value === 'string' || typeof value === 'number') raw[field] = value;
  }
  return normalizeIdentity(raw);
}

/** `online` / `offline` by the profile's words (surrounding whitespace and case ignored); else undefined. */
export function decodeAvailability(profile: MqttProfile, payload: Buffer | string): 'online' | 'offline' | undefined {
  const a = profile.availability;
  if (!a) return undefined;
  const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim().toLowerCase();
  if (text === a.online.toLowerCase()) return 'online';
  if (text === a.offline.toLowerCase()) return 'offline';
  return undefined;
}
