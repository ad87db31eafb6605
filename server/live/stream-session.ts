/**
 * One open SSE stream: what it is subscribed to (points, devices, locations, or everything), and the queue of
 * what it has not written yet. The queue is bounded: a client that reads slower than samples arrive gets, once
 * MAX_QUEUED_SAMPLES are waiting, only the newest sample of each point plus a `notice` saying how many it
 * missed; events beyond MAX_QUEUED_EVENTS drop the oldest, also with a notice.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { devicesUnderLocations } from '../../db/queries/locations.ts';
import type { LiveEvent, LiveNotice, LiveSample, Sequenced } from './bus.ts';

export const MAX_QUEUED_SAMPLES = 10_000;
export const MAX_QUEUED_EVENTS = 1_000;
/** How often a stream re-reads which devices are at or below its locations (devices moved, added). */
export const LOCATION_REFRESH_MS = 10_000;
export const SUBSCRIPTION_LIMITS = { points: 2_000, devices: 500, locations: 50 } as const;

export interface SubscriptionSpec { points: string[]; devices: string[]; locations: number[] }

/** `<device>/<metric>` → device. */
export const deviceOf = (pointKey: string): string => {
  const i = pointKey.indexOf('/');
  return i < 0 ? pointKey : pointKey.slice(0, i);
};

/** Location → devices at or below it, shared by every stream on one database and cached briefly. */
export class LocationResolver {
  private readonly cache = new Map<number, { devices: string[]; at: number }>();
  constructor(private readonly db: Db, private readonly ttlMs = LOCATION_REFRESH_MS) {}

  /** Devices under each requested location; ids that do not exist are reported in `unknown`. */
  async resolve(ids: number[]): Promise<{ devices: Set<string>; unknown: number[] }> {
    const now = Date.now();
    const stale = ids.filter((id) => { const e = this.cache.get(id); return !e || now - e.at >= this.ttlMs; });
    const unknown: number[] = [];
    if (stale.length > 0) {
      // One query per location keeps the per-location cache exact; streams rarely watch more than a few.
      for (const id of stale) {
        const r = await devicesUnderLocations(this.db, [id]);
        if (r.found.length === 0) { this.cache.delete(id); unknown.push(id); } else this.cache.set(id, { devices: r.devices, at: now });
      }
    }
    const devices = new Set<string>();
    for (const id of ids) for (const d of this.cache.get(id)?.devices ?? []) devices.add(d);
    return { devices, unknown };
  }

  /** Forget cached placements (call after devices are moved between locations). */
  invalidate(): void { this.cache.clear(); }
}

const resolvers = new WeakMap<object, LocationResolver>();
export function locationResolverFor(db: Db): LocationResolver {
  let r = resolvers.get(db);
  if (!r) resolvers.set(db, (r = new LocationResolver(db)));
  return r;
}

export class StreamSession {
  readonly id = randomBytes(16).toString('base64url');
  readonly points = new Set<string>();
  readonly devices = new Set<string>();
  readonly locations = new Set<number>();
  /** Devices at or below `locations`, refreshed every LOCATION_REFRESH_MS. */
  locationDevices = new Set<string>();
  private pointDevices = new Set<string>();
  private samples: LiveSample[] = [];
  private latest: Map<string, LiveSample> | undefined;
  private droppedSamples = 0;
  private events: LiveEvent[] = [];
  private droppedEvents = 0;
  private notices: LiveNotice[] = [];
  /** Sequence number of the newest bus message this stream has seen. */
  lastSeq = 0;
  wake?: () => void;

  constructor(readonly principalId: number, spec: SubscriptionSpec, public all: boolean) {
    this.add(spec);
  }

  add(spec: Partial<SubscriptionSpec>): void {
    for (const p of spec.points ?? []) this.points.add(p);
    for (const d of spec.devices ?? []) this.devices.add(d);
    for (const l of spec.locations ?? []) this.locations.add(l);
    this.pointDevices = new Set([...this.points].map(deviceOf));
  }

  remove(spec: Partial<SubscriptionSpec>): void {
    for (const p of spec.points ?? []) this.points.delete(p);
    for (const d of spec.devices ?? []) this.devices.delete(d);
    for (const l of spec.locations ?? []) this.locations.delete(l);
    this.pointDevices = new Set([...this.points].map(deviceOf));
  }

  /** Whether adding `spec` would exceed SUBSCRIPTION_LIMITS; the first limit exceeded, or undefined. */
  exceeds(spec: Partial<SubscriptionSpec>): string | undefined {
    const n = (cur: Set<unknown>, more: unknown[] = []) => new Set([...cur, ...more]).size;
    if (n(this.points, spec.points) > SUBSCRIPTION_LIMITS.points) return `at most ${SUBSCRIPTION_LIMITS.points} points per stream`;
    if (n(this.devices, spec.devices) > SUBSCRIPTION_LIMITS.devices) return `at most ${SUBSCRIPTION_LIMITS.devices} devices per stream`;
    if (n(this.locations, spec.locations) > SUBSCRIPTION_LIMITS.locations) return `at most ${SUBSCRIPTION_LIMITS.locations} locations per stream`;
    return undefined;
  }

  get subscription() {
    return { points: [...this.points], devices: [...this.devices], locations: [...this.locations] };
  }

  matchesSample(s: LiveSample): boolean {
    if (this.all || this.points.has(s.point)) return true;
    const d = deviceOf(s.point);
    return this.devices.has(d) || this.locationDevices.has(d);
  }

  /** Events belong to a device: sent when the device, one of its points or its location is subscribed. */
  matchesEvent(e: LiveEvent): boolean {
    return this.all || this.devices.has(e.device) || this.pointDevices.has(e.device) || this.locationDevices.has(e.device);
  }

  offer({ seq, msg }: Sequenced): void {
    this.lastSeq = seq;
    let added = false;
    if (msg.kind === 'samples') {
      for (const s of msg.items) {
        if (!this.matchesSample(s)) continue;
        added = true;
        if (this.latest) {
          if (this.latest.has(s.point)) this.droppedSamples++;
          this.latest.delete(s.point); // keep arrival order: re-insert at the end
          this.latest.set(s.point, s);
        } else {
          this.samples.push(s);
          if (this.samples.length >= MAX_QUEUED_SAMPLES) this.coalesce();
        }
      }
    } else {
      for (const e of msg.items) {
        if (!this.matchesEvent(e)) continue;
        added = true;
        this.events.push(e);
      }
      if (this.events.length > MAX_QUEUED_EVENTS) {
        const drop = this.events.length - MAX_QUEUED_EVENTS;
        this.events.splice(0, drop);
        this.droppedEvents += drop;
      }
    }
    if (added) this.wake?.();
  }

  notice(n: LiveNotice): void {
    if (this.notices.length < 100) this.notices.push(n);
    this.wake?.();
  }

  /** Samples and events waiting to be written. */
  get queued(): number { return (this.latest?.size ?? this.samples.length) + this.events.length; }
  get idle(): boolean { return this.queued === 0 && this.notices.length === 0; }

  /** Everything waiting, in the order to write it: notices, then events, then samples. */
  take(): { notices: LiveNotice[]; events: LiveEvent[]; samples: LiveSample[] } {
    const notices = this.notices;
    if (this.droppedSamples > 0) {
      notices.push({ code: 'samples_coalesced', message: `the client read too slowly: ${this.droppedSamples} samples were skipped, the newest value of each point follows` });
    }
    if (this.droppedEvents > 0) {
      notices.push({ code: 'events_dropped', message: `the client read too slowly: ${this.droppedEvents} older events were dropped (GET /api/v1/events has them)` });
    }
    const out = { notices, events: this.events, samples: this.latest ? [...this.latest.values()] : this.samples };
    this.notices = []; this.events = []; this.samples = []; this.latest = undefined;
    this.droppedSamples = 0; this.droppedEvents = 0;
    return out;
  }

  private coalesce(): void {
    this.latest = new Map();
    for (const s of this.samples) {
      if (this.latest.has(s.point)) this.droppedSamples++;
      this.latest.delete(s.point);
      this.latest.set(s.point, s);
    }
    this.samples = [];
  }
}
