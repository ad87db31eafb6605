/**
 * The MQTT driver: a subscriber, not a poller. One MQTT connection per broker and profile subscribes to
 * the profile's topic pattern (narrowed to what every route has in common, e.g. the site) and to its
 * availability pattern, decodes each message into one sample per point and hands them on at once.
 *
 * Sessions: `clean: false` with a stable client id, so the broker keeps the subscription (and QoS 1
 * messages) while the collector is away. MQTT.js only resubscribes by itself with `clean: true`; a broker
 * that lost its state (an in-memory broker restarted) answers CONNACK with `sessionPresent: false` and
 * would leave us silently unsubscribed, so on every such CONNACK we subscribe again (and always on the
 * first connect of this process, which also brings the retained availability of every device).
 *
 * Qualities: a payload that is not JSON, or a point that is not a finite number → `sentinel` with value
 * null (and a log line at most once per device per minute naming the topic and the reason);
 * availability `offline` (the sensor's last will) → `comm_loss` for all its points, repeated every
 * `commLossRepeatMs` while it lasts, as is a lost broker connection for every device seen so far.
 * A device that is still online but has published nothing for `staleAfterMs` (a hung sensor process, a
 * gateway that keeps the TCP session but stopped forwarding) → `stale` with value null, repeated likewise,
 * so a silent sensor is never a silent gap.
 */
import { createHash } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { DeviceDecl, DeviceIdentity, PointDecl, Sample } from '../../../server/contracts/ingest.ts';
import { sameIdentity } from '../../identity.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import type { MqttProfile } from '../../profile.ts';
import type { RawReading } from '../types.ts';
import { decodeAvailability, decodePayload } from './decode.ts';
import { fillTopicPattern, matchTopic, parseTopicPattern, renderTemplate, type TopicPattern } from './profile-schema.ts';

export interface MqttRoute {
  /** Device name for an exact topic; for a topic with wildcards the profile's `device` template names them. */
  device: string;
  kind: DeviceDecl['kind'];
  /** The device's data topic, or a filter with `+`/`#` (every device under it, named by the profile). */
  topic: string;
  vendor?: string;
  model?: string;
}

export interface MqttSubscriberOptions {
  brokerUrl: string;
  /**
   * Stable across restarts: the broker keeps this client's session. Default: `<clientIdPrefix>-<hash>`
   * of the broker, profile and subscription filters, so another subscription never takes over the session.
   */
  clientId?: string;
  clientIdPrefix?: string;
  profile: MqttProfile;
  routes: MqttRoute[];
  onSamples(device: DeviceDecl, points: PointDecl[], samples: Sample[]): void;
  logger?: Logger;
  /** While a device is offline (or the broker unreachable), comm_loss again after this long (default 5 s). */
  commLossRepeatMs?: number;
  /** An online device with no data message for this long is recorded as `stale` (default 3 × commLossRepeatMs). */
  staleAfterMs?: number;
  /** At most one log line per device per this long about bad payloads (default 60 s). */
  logEveryMs?: number;
  reconnectPeriodMs?: number;
  now?: () => number;
}

export interface MqttSubscriberStats {
  /** CONNACKs received. */
  connects: number;
  /** SUBSCRIBEs sent (first connect and every CONNACK without a session). */
  subscribes: number;
  messages: number;
  /** Data messages with at least one point not decoded. */
  rejected: number;
  /** Messages on topics no route accepts (e.g. another site's racks under the same filter). */
  unrouted: number;
}

const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

interface Resolved { decl: DeviceDecl; points: PointDecl[] }

function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'mqtts:' || url.protocol === 'ssl:' ? '8883' : '1883');
  return `${url.hostname}:${port}`;
}

export class MqttSubscriber {
  readonly dataPattern: TopicPattern;
  readonly availabilityPattern: TopicPattern | undefined;
  /** The subscription filters: one for data, one for availability (when the profile has it). */
  readonly filters: string[];
  readonly clientId: string;
  private client: MqttClient | undefined;
  private readonly exact = new Map<string, MqttRoute>();
  private readonly wildcard: Array<{ route: MqttRoute; fixed: Record<string, string> }> = [];
  private readonly resolved = new Map<string, Resolved>();
  private readonly offline = new Set<string>();
  /** Per device: when its last data message arrived (receive clock). */
  private readonly lastDataAt = new Map<string, number>();
  private readonly stale = new Set<string>();
  private readonly lastLog = new Map<string, number>();
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly address: string;
  private timer: NodeJS.Timeout | undefined;
  private connectionLost = false;
  private closed = false;
  private firstSubscribe: Promise<void>;
  private resolveFirstSubscribe!: () => void;
  private readonly counters: MqttSubscriberStats = { connects: 0, subscribes: 0, messages: 0, rejected: 0, unrouted: 0 };

  constructor(private readonly opts: MqttSubscriberOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.address = hostPort(new URL(opts.brokerUrl));
    this.dataPattern = parseTopicPattern(opts.profile.topic);
    this.availabilityPattern = opts.profile.availability ? parseTopicPattern(opts.profile.availability.topic) : undefined;
    if (opts.routes.length === 0) throw new Error('an MQTT subscription needs at least one route');
    const fixedOf = opts.routes.map((route) => ({ route, fixed: this.fixedCaptures(route.topic) }));
    for (const { route, fixed } of fixedOf) {
      if (/[+#]/.test(route.topic)) this.wildcard.push({ route, fixed });
      else {
        const key = this.keyOf(fixed);
        if (this.exact.has(key)) throw new Error(`MQTT topic ${route.topic} is routed twice (${this.exact.get(key)!.device}, ${route.device})`);
        this.exact.set(key, route);
      }
    }
    // Subscribe to what all routes share (e.g. kiban/<site>/+/+/+/env), not once per device.
    const common: Record<string, string> = {};
    for (const name of this.dataPattern.captures) {
      const values = new Set(fixedOf.map((f) => f.fixed[name]));
      const [only] = values;
      if (values.size === 1 && only !== undefined) common[name] = only;
    }
    this.filters = [fillTopicPattern(this.dataPattern, common)];
    if (this.availabilityPattern) this.filters.push(fillTopicPattern(this.availabilityPattern, common));
    const hash = createHash('sha256').update(JSON.stringify([opts.brokerUrl, opts.profile.name, this.filters])).digest('hex').slice(0, 12);
    this.clientId = opts.clientId ?? `${opts.clientIdPrefix ?? 'kiban-collector'}-${hash}`;
    this.firstSubscribe = new Promise((resolve) => { this.resolveFirstSubscribe = resolve; });
  }

  /** Captures a route's topic pins down (literal levels where the profile pattern captures). */
  private fixedCaptures(topic: string): Record<string, string> {
    const parts = topic.split('/');
    const levels = this.dataPattern.levels;
    const rest = levels.some((l) => 'rest' in l);
    const routeRest = parts.at(-1) === '#';
    if (!rest && !routeRest && parts.length !== levels.length) throw new Error(`MQTT topic ${topic} does not fit the profile's pattern ${this.dataPattern.pattern}`);
    const fixed: Record<string, string> = {};
    for (let i = 0; i < levels.length && i < parts.length; i++) {
      const level = levels[i];
      const part = parts[i];
      if ('rest' in level || part === '#') break;
      if ('literal' in level) {
        if (part !== level.literal && part !== '+') throw new Error(`MQTT topic ${topic} does not fit the profile's pattern ${this.dataPattern.pattern} (level ${i + 1}: '${part}' is not '${level.literal}')`);
      } else if (level.capture && part !== '+') {
        fixed[level.capture] = part;
      }
    }
    return fixed;
  }

  private keyOf(captures: Record<string, string>): string {
    return JSON.stringify(this.dataPattern.captures.map((c) => captures[c] ?? null));
  }

  private routeFor(captures: Record<string, string>): { route: MqttRoute; device: string } | undefined {
    const exact = this.exact.get(this.keyOf(captures));
    if (exact) return { route: exact, device: exact.device };
    const w = this.wildcard.find(({ fixed }) => Object.entries(fixed).every(([k, v]) => captures[k] === v));
    if (!w) return undefined;
    return { route: w.route, device: renderTemplate(this.opts.profile.device, captures) };
  }

  private resolve(device: string, route: MqttRoute): Resolved {
    let r = this.resolved.get(device);
    if (!r) {
      const vendor = route.vendor ?? this.opts.profile.vendor;
      r = {
        decl: {
          name: device, kind: route.kind, protocol: 'mqtt', address: this.address, profile: this.opts.profile.name,
          ...(vendor ? { vendor } : {}), ...(route.model ? { model: route.model } : {}),
        },
        points: this.opts.profile.points.map((p) => ({
          key: `${device}/${p.metric}`, device, metric: p.metric, unit: p.unit, kind: p.kind,
          ...(p.role ? { role: p.role } : {}), ...(p.description ? { description: p.description } : {}), ...(p.states ? { states: p.states } : {}),
        })),
      };
      this.resolved.set(device, r);
    }
    return r;
  }

  private emit(device: string, route: MqttRoute, ts: string, readings: RawReading[], identity?: DeviceIdentity): void {
    const r = this.resolve(device, route);
    // A device that says who it is in its messages is declared with that identity from then on.
    if (identity && !sameIdentity(identity, r.decl.identity)) r.decl = { ...r.decl, identity };
    const samples = readings.map((x): Sample => ({ point: `${device}/${x.metric}`, ts, value: x.value, quality: x.quality === 'ok' && x.value === null ? 'sentinel' : x.quality }));
    this.opts.onSamples(r.decl, r.points, samples);
  }

  private commLoss(device: string, route: MqttRoute, quality: 'comm_loss' | 'stale' = 'comm_loss'): void {
    this.emit(device, route, new Date(this.now()).toISOString(), this.opts.profile.points.map((p) => ({ metric: p.metric, value: null, quality })));
  }

  private get staleAfterMs(): number {
    if (this.opts.staleAfterMs !== undefined) return this.opts.staleAfterMs;
    if (this.opts.profile.staleAfterS !== undefined) return this.opts.profile.staleAfterS * 1000;
    return 3 * (this.opts.commLossRepeatMs ?? 5000);
  }

  /** Resolves once the first SUBSCRIBE was granted (or the subscriber was closed). */
  whenSubscribed(): Promise<void> {
    return this.firstSubscribe;
  }

  /** Connect and subscribe in the background (MQTT.js retries the connection); see whenSubscribed(). */
  start(): void {
    const options: IClientOptions = {
      clientId: this.clientId,
      clean: false,
      resubscribe: false, // we do it ourselves, on sessionPresent = false
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      keepalive: 30,
    };
    const client = mqtt.connect(this.opts.brokerUrl, options);
    this.client = client;
    client.on('connect', (connack) => {
      const first = this.counters.connects === 0;
      this.counters.connects++;
      if (this.connectionLost) this.logger.info({ broker: this.opts.brokerUrl, sessionPresent: connack.sessionPresent }, 'MQTT broker connection restored');
      this.connectionLost = false;
      if (first || !connack.sessionPresent) this.subscribe(client, first ? 'first connect' : 'broker lost the session');
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => {
      if (!this.connectionLost) this.logger.warn({ broker: this.opts.brokerUrl, err: err.message }, 'MQTT connection error');
    });
    client.on('close', () => {
      if (this.closed || this.connectionLost) return;
      this.connectionLost = true;
      this.logger.warn({ broker: this.opts.brokerUrl }, 'MQTT broker connection lost; reconnecting, comm_loss for its devices meanwhile');
    });
    const repeat = this.opts.commLossRepeatMs ?? 5000;
    this.timer = setInterval(() => this.tick(), repeat);
    this.timer.unref();
  }

  private subscribe(client: MqttClient, why: string): void {
    this.counters.subscribes++;
    client.subscribe(this.filters, { qos: 1 }, (err, granted) => {
      const refused = granted?.filter((g) => g.qos === 128) ?? [];
      if (err || refused.length) {
        this.logger.error({ broker: this.opts.brokerUrl, filters: this.filters, err: err?.message ?? `refused: ${refused.map((g) => g.topic).join(', ')}` }, 'MQTT subscribe failed');
        return;
      }
      this.logger.info({ broker: this.opts.brokerUrl, clientId: this.clientId, filters: this.filters, why }, 'MQTT subscribed');
      this.resolveFirstSubscribe();
    });
  }

  private tick(): void {
    if (this.closed) return;
    const now = this.now();
    for (const [device] of this.resolved) {
      const route = this.routeOfDevice(device);
      if (!route) continue;
      if (this.connectionLost || this.offline.has(device)) {
        this.commLoss(device, route);
      } else if (now - (this.lastDataAt.get(device) ?? now) >= this.staleAfterMs) {
        if (!this.stale.has(device)) {
          this.stale.add(device);
          this.logger.warn({ device, silentForMs: now - this.lastDataAt.get(device)!, staleAfterMs: this.staleAfterMs }, 'MQTT device online but silent; recording stale');
        }
        this.commLoss(device, route, 'stale');
      }
    }
  }

  private routeOfDevice(device: string): MqttRoute | undefined {
    return this.deviceRoutes.get(device);
  }

  private readonly deviceRoutes = new Map<string, MqttRoute>();

  private onMessage(topic: string, payload: Buffer): void {
    if (this.closed) return;
    this.counters.messages++;
    const receivedAt = this.now();
    const data = matchTopic(this.dataPattern, topic);
    const avail = data ? undefined : this.availabilityPattern && matchTopic(this.availabilityPattern, topic);
    const captures = data ?? avail;
    const routed = captures && this.routeFor(captures);
    if (!routed) {
      this.counters.unrouted++;
      return;
    }
    const { route, device } = routed;
    if (!DEVICE_NAME.test(device) || device.length > 128) {
      this.logOnce(device, { topic, device }, 'MQTT topic gives an invalid device name; message dropped');
      return;
    }
    this.deviceRoutes.set(device, route);
    if (avail) {
      const state = decodeAvailability(this.opts.profile, payload);
      if (state === 'offline') {
        if (!this.offline.has(device)) this.logger.warn({ device, topic }, 'MQTT device offline (availability); recording comm_loss');
        this.offline.add(device);
        this.commLoss(device, route);
      } else if (state === 'online') {
        if (this.offline.delete(device)) this.logger.info({ device, topic }, 'MQTT device online again');
        // Staleness counts from "online": a device that announces itself and then sends nothing is noticed.
        this.resolve(device, route);
        this.lastDataAt.set(device, receivedAt);
      } else {
        this.logOnce(device, { topic, device, payload: payload.toString('utf8').slice(0, 64) }, 'MQTT availability payload is neither online nor offline; ignored');
      }
      return;
    }
    if (this.offline.delete(device)) this.logger.info({ device, topic }, 'MQTT device publishing again');
    this.lastDataAt.set(device, receivedAt);
    if (this.stale.delete(device)) this.logger.info({ device, topic }, 'MQTT device publishing again after being stale');
    const decoded = decodePayload(this.opts.profile, payload, receivedAt);
    if (decoded.problems.length) {
      if (decoded.readings.some((r) => r.quality === 'sentinel')) this.counters.rejected++;
      this.logOnce(device, { device, topic, reason: decoded.problems.join('; ') }, 'MQTT payload rejected; affected points recorded as sentinel');
    }
    this.emit(device, route, decoded.ts, decoded.readings, decoded.identity);
  }

  private logOnce(device: string, obj: object, msg: string): void {
    const now = this.now();
    const last = this.lastLog.get(device);
    if (last !== undefined && now - last < (this.opts.logEveryMs ?? 60_000)) return;
    this.lastLog.set(device, now);
    this.logger.warn(obj, msg);
  }

  stats(): MqttSubscriberStats {
    return { ...this.counters };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Disconnect cleanly; the broker keeps the session (clean: false) for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.resolveFirstSubscribe();
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { client.end(true); resolve(); }, 2000);
      client.end(false, {}, () => { clearTimeout(t); resolve(); });
    });
  }
}
