/**
 * Rack environment sensors publishing JSON over MQTT, one MQTT connection per rack sensor, as each real
 * networked sensor probe has its own.
 *
 * Topic layout (prefix `kiban`, every segment sanitised to `[A-Za-z0-9_.-]`):
 *   kiban/<site>/<room>/<row>/<rack>/env            data, QoS 0, not retained, every publishIntervalMs
 *   kiban/<site>/<room>/<row>/<rack>/availability   "online" retained QoS 1 on connect;
 *                                                   "offline" retained QoS 1 as the MQTT last will
 * Data payload (values at 0.1 resolution, `ts` is the simulated time of the physics tick):
 *   {"ts":"2025-01-01T00:00:00.000Z","inlet":{"top":24.1,"middle":23.2,"bottom":22.0},"outlet":35.2,"humidity":41.0,"unit":"C"}
 *
 * Faults: a silent sensor (the model's sensor_silent via `sensorMode`, or a device_silent comm fault)
 * drops its TCP connection without an MQTT DISCONNECT, so the broker publishes the retained "offline"
 * will; when it recovers it reconnects and publishes "online" again. mqtt_malformed publishes a payload
 * that is not valid JSON (`params.variant`: 'truncated' (default) | 'not_json') or valid JSON with the
 * wrong types ('wrong_types') on the data topic. Comm faults are looked up by `<rackId>-sensor`, then by
 * `<rackId>`.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { RackSensorState, RackSpec, SimContext, SimEndpoint } from '../../site/types.ts';
import { sensorIdOf } from '../../site/spec.ts';

export type SensorMode = 'normal' | 'silent';

export interface StartRackSensorsOptions {
  brokerUrl: string;
  /** Site segment of the topics (use a unique one per test run on a shared broker). */
  site: string;
  publishIntervalMs: number;
  /** The model's sensor_silent fault, wired by the integrator. */
  sensorMode?: (rackId: string) => SensorMode;
  topicPrefix?: string;
  /** MQTT keepalive of each sensor, s (default 30). */
  keepaliveS?: number;
  /** Sensors connecting at the same time during startup (default 100). */
  connectConcurrency?: number;
  /** Give up starting when not every sensor is connected after this long (default 30 s). */
  startTimeoutMs?: number;
}

export interface RunningRackSensors {
  endpoints: SimEndpoint[];
  /** Sensors with a live MQTT connection right now. */
  connectedCount(): number;
  close(): Promise<void>;
}

export interface RackEnvPayload {
  ts: string;
  inlet: { top: number; middle: number; bottom: number };
  outlet: number;
  humidity: number;
  unit: 'C';
}

export const RACK_SENSOR_TOPIC_LAYOUT = {
  data: '<prefix>/<site>/<room>/<row>/<rack>/env',
  availability: '<prefix>/<site>/<room>/<row>/<rack>/availability',
  prefix: 'kiban',
  dataQos: 0,
  dataRetained: false,
  availabilityQos: 1,
  availabilityRetained: true,
  online: 'online',
  offline: 'offline (last will)',
  payload: { ts: 'ISO 8601 (simulated time)', inlet: { top: '°C', middle: '°C', bottom: '°C' }, outlet: '°C', humidity: '%RH', unit: '"C"' },
  resolution: 0.1,
} as const;

export function topicSegment(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9_.-]/g, '-');
  return cleaned.length > 0 ? cleaned : '-';
}

export function rackSensorTopics(prefix: string, site: string, rack: Pick<RackSpec, 'id' | 'room' | 'row'>): { data: string; availability: string } {
  const base = [prefix, site, rack.room, rack.row, rack.id].map(topicSegment).join('/');
  return { data: `${base}/env`, availability: `${base}/availability` };
}

const tenth = (v: number) => Math.round(v * 10) / 10;

export function rackEnvPayload(simTimeMs: number, s: RackSensorState): RackEnvPayload {
  return {
    ts: new Date(simTimeMs).toISOString(),
    inlet: { top: tenth(s.inletTopC), middle: tenth(s.inletMiddleC), bottom: tenth(s.inletBottomC) },
    outlet: tenth(s.outletC),
    humidity: tenth(s.humidityPct),
    unit: 'C',
  };
}

/** What a broken sensor firmware sends. */
export function malformedPayload(variant: unknown, good: RackEnvPayload): string {
  switch (variant) {
    case 'not_json':
      return `inlet_top=${good.inlet.top};inlet_middle=${good.inlet.middle};outlet=${good.outlet};rh=${good.humidity}`;
    case 'wrong_types':
      return JSON.stringify({ ts: Date.parse(good.ts), inlet: String(good.inlet.top), outlet: null, humidity: `${good.humidity}%`, unit: 1 });
    default: {
      const full = JSON.stringify(good);
      return full.slice(0, Math.floor(full.length / 2)); // cut off mid-message
    }
  }
}

class RackSensor {
  client: MqttClient | undefined;
  connected = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: SimContext,
    readonly rack: RackSpec,
    readonly endpointId: string,
    readonly topics: { data: string; availability: string },
    private readonly opts: Required<Pick<StartRackSensorsOptions, 'brokerUrl' | 'site' | 'publishIntervalMs' | 'keepaliveS'>> & Pick<StartRackSensorsOptions, 'sensorMode'>,
  ) {}

  private fault() {
    return this.ctx.faults.forDevice(this.endpointId) ?? this.ctx.faults.forDevice(this.rack.id);
  }

  private mode(): SensorMode {
    if (this.opts.sensorMode?.(this.rack.id) === 'silent') return 'silent';
    return this.fault()?.kind === 'device_silent' ? 'silent' : 'normal';
  }

  /** Connect (unless silent); resolves on the first CONNACK or when the sensor is silent. */
  connect(): Promise<void> {
    if (this.stopped || this.client || this.mode() === 'silent') return Promise.resolve();
    const client = mqtt.connect(this.opts.brokerUrl, {
      clientId: `kiban-sim-${topicSegment(this.opts.site)}-${topicSegment(this.rack.id)}`,
      clean: true,
      keepalive: this.opts.keepaliveS,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: this.topics.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('error', () => { /* connection errors: MQTT.js reconnects on its own */ });
    client.on('close', () => { this.connected = false; });
    return new Promise<void>((resolve) => {
      client.on('connect', () => {
        this.connected = true;
        client.publish(this.topics.availability, 'online', { qos: 1, retain: true });
        this.publishReading();
        resolve();
      });
    });
  }

  /** The sensor's own clock: publish, or notice a mode change. */
  startClock(phaseMs: number): void {
    const tick = () => {
      if (this.stopped) return;
      if (this.mode() === 'silent') {
        this.die();
      } else if (!this.client) {
        void this.connect();
      } else if (this.connected) {
        this.publishReading();
      }
    };
    this.timer = setTimeout(() => {
      tick();
      this.timer = setInterval(tick, this.opts.publishIntervalMs);
    }, phaseMs);
  }

  private publishReading(): void {
    const client = this.client;
    if (!client || !this.connected) return;
    const state = this.ctx.state();
    const reading = state.sensors.get(this.rack.id);
    if (!reading) return; // not in the model (yet): a sensor with nothing to report stays quiet
    const good = rackEnvPayload(state.simTimeMs, reading);
    const fault = this.fault();
    const payload = fault?.kind === 'mqtt_malformed' ? malformedPayload(fault.params.variant, good) : JSON.stringify(good);
    client.publish(this.topics.data, payload, { qos: 0, retain: false });
  }

  /** A dead sensor just drops off the network: no DISCONNECT, so the broker sends the last will. */
  private die(): void {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    this.connected = false;
    client.end(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) { clearTimeout(this.timer); clearInterval(this.timer); }
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // Simulator shutdown is a clean power-off of the lab: say "offline" ourselves, then DISCONNECT.
    if (client.connected) {
      await new Promise<void>((resolve) => {
        client.publish(this.topics.availability, 'offline', { qos: 1, retain: true }, () => resolve());
        setTimeout(resolve, 1000).unref();
      });
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }
}

export async function startRackSensors(ctx: SimContext, opts: StartRackSensorsOptions): Promise<RunningRackSensors> {
  if (!(opts.publishIntervalMs > 0)) throw new Error(`publishIntervalMs must be > 0, got ${opts.publishIntervalMs}`);
  const prefix = opts.topicPrefix ?? RACK_SENSOR_TOPIC_LAYOUT.prefix;
  const broker = new URL(opts.brokerUrl);
  const brokerPort = Number(broker.port || (broker.protocol === 'mqtts:' ? 8883 : 1883));
  const brokerHost = broker.hostname.replace(/^\[|\]$/g, '');
  const sensorOpts = { brokerUrl: opts.brokerUrl, site: opts.site, publishIntervalMs: opts.publishIntervalMs, keepaliveS: opts.keepaliveS ?? 30, sensorMode: opts.sensorMode };
  const sensors = ctx.spec.racks.map((rack) => new RackSensor(ctx, rack, sensorIdOf(rack.id), rackSensorTopics(prefix, opts.site, rack), sensorOpts));

  const closeAll = () => Promise.all(sensors.map((s) => s.stop())).then(() => undefined);
  try {
    const concurrency = Math.max(1, opts.connectConcurrency ?? 100);
    let next = 0;
    const worker = async () => {
      while (next < sensors.length) await sensors[next++].connect();
    };
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    await Promise.race([
      Promise.all(Array.from({ length: Math.min(concurrency, sensors.length) }, worker)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`rack sensors: not all ${sensors.length} connected to ${opts.brokerUrl} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    await closeAll();
    throw err;
  }
  // Spread the sensors over the interval so 2,000 of them do not publish in one burst.
  sensors.forEach((s, i) => s.startClock(opts.publishIntervalMs * (1 + i / Math.max(1, sensors.length))));

  let closing: Promise<void> | undefined;
  return {
    endpoints: sensors.map((s) => ({
      id: s.endpointId,
      kind: 'sensor',
      protocol: 'mqtt',
      host: brokerHost,
      port: brokerPort,
      profile: 'kiban-rack-env-json',
      vendor: 'Kiban',
      model: 'Simulated rack environment sensor (3 inlet, 1 outlet, RH)',
      mqtt: { brokerUrl: opts.brokerUrl, topic: s.topics.data, availabilityTopic: s.topics.availability },
      rackId: s.rack.id,
    })),
    connectedCount: () => sensors.filter((s) => s.connected).length,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
