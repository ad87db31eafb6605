/**
 * Rack sensors against a real broker and third-party clients: mosquitto_sub against the system Mosquitto
 * (127.0.0.1:1883, shared, so every run uses its own random site segment and clears its retained
 * topics afterwards), and MQTT.js against the embedded aedes broker.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { Fault, RackSensorState, RackSpec, SimContext, SiteState } from '../../site/types.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../protocols/mqtt/broker.ts';
import { rackEnvPayload, startRackSensors, type RackEnvPayload, type RunningRackSensors, type SensorMode } from './rack-sensors.ts';

const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';
const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';

function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

const mosquittoUp = await new Promise<boolean>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port: 1883 });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
  s.setTimeout(1000, () => { s.destroy(); resolve(false); });
});
const skipMosquitto = !(mosquittoUp && existsSync(MOSQUITTO_SUB) && existsSync(MOSQUITTO_PUB)) && process.env.CI !== 'true';

function rack(id: string, row: string): RackSpec {
  return { id, room: 'room-1', row, heightU: 42, itLoadW: 8000, outletsPerPdu: 24, pduVendor: 'raritan', pduRatedCurrentA: 32, upsA: 'ups-1', upsB: 'ups-2', crac: 'crac-1' };
}

function fakeContext() {
  const racks = [rack('r1-a01', 'a'), rack('r1-a02', 'a'), rack('r1-b01', 'b')];
  const sensors = new Map<string, RackSensorState>(racks.map((r, i) => [r.id, {
    rackId: r.id, inletTopC: 24.13 + i, inletMiddleC: 23.2 + i, inletBottomC: 21.96 + i, outletC: 35.24 + i, humidityPct: 41.04 + i,
  }]));
  const state: SiteState = {
    simTimeMs: Date.parse('2025-06-01T12:00:00Z'), ups: new Map(), pdus: new Map(), cracs: new Map(), meters: new Map(), sensors,
    facility: { outsideTempC: 20, itW: 0, pduInputW: 0, upsOutputW: 0, upsLossesW: 0, coolingW: 0, lightingW: 0, totalW: 0 },
  };
  const faults: Fault[] = [];
  const modes = new Map<string, SensorMode>();
  const ctx: SimContext = {
    spec: { name: 't', seed: 1, latitude: 35, rooms: [{ id: 'room-1', name: 'Room 1', rows: ['a', 'b'] }], racks, ups: [], cracs: [], meters: [], lightingW: 0 },
    state: () => state,
    faults: { forDevice: (id) => faults.find((f) => f.target === id) },
    startedAtMs: Date.now(),
    onTick: () => () => {},
  };
  return { ctx, state, faults, modes, sensorMode: (rackId: string) => modes.get(rackId) ?? 'normal' };
}

const site = () => `t${randomBytes(5).toString('hex')}`;

describe.skipIf(skipMosquitto)('rack sensors on Mosquitto, read with mosquitto_sub', () => {
  const f = fakeContext();
  const siteName = site();
  let sensors: RunningRackSensors;
  const sub = (topic: string, count: number, waitS = 10) =>
    run(MOSQUITTO_SUB, ['-h', '127.0.0.1', '-p', '1883', '-t', topic, '-v', '-C', String(count), '-W', String(waitS)], (waitS + 5) * 1000);
  const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf(' ');
    return { topic: l.slice(0, i), payload: l.slice(i + 1) };
  });
  const endpoint = (rackId: string) => sensors.endpoints.find((e) => e.rackId === rackId)!;

  beforeAll(async () => {
    sensors = await startRackSensors(f.ctx, { brokerUrl: 'mqtt://127.0.0.1:1883', site: siteName, publishIntervalMs: 300, sensorMode: f.sensorMode });
  });
  afterAll(async () => {
    await sensors?.close();
    // Leave no retained messages behind on the shared broker.
    await Promise.all((sensors?.endpoints ?? []).map((e) => run(MOSQUITTO_PUB, ['-h', '127.0.0.1', '-t', e.mqtt!.availabilityTopic, '-r', '-n'])));
  });

  it('lists an endpoint per rack with its topics', () => {
    expect(endpoint('r1-b01')).toMatchObject({
      id: 'r1-b01-sensor', kind: 'sensor', protocol: 'mqtt', host: '127.0.0.1', port: 1883, rackId: 'r1-b01',
      mqtt: { topic: `kiban/${siteName}/room-1/b/r1-b01/env`, availabilityTopic: `kiban/${siteName}/room-1/b/r1-b01/availability` },
    });
  });

  it('publishes retained availability "online" for every sensor', async () => {
    const res = await sub(`kiban/${siteName}/+/+/+/availability`, 3);
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stdout).sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: `kiban/${siteName}/room-1/a/r1-a01/availability`, payload: 'online' },
      { topic: `kiban/${siteName}/room-1/a/r1-a02/availability`, payload: 'online' },
      { topic: `kiban/${siteName}/room-1/b/r1-b01/availability`, payload: 'online' },
    ]);
  });

  it('publishes JSON readings equal to the state on the env topics', async () => {
    const res = await sub(`kiban/${siteName}/+/+/+/env`, 6);
    expect(res.code, res.stderr).toBe(0);
    const got = lines(res.stdout);
    expect(got).toHaveLength(6);
    for (const { topic, payload } of got) {
      const rackId = topic.split('/')[4];
      const body = JSON.parse(payload) as RackEnvPayload;
      expect(body).toEqual(rackEnvPayload(f.state.simTimeMs, f.state.sensors.get(rackId)!));
      expect(body.inlet.top).toBe(Math.round(f.state.sensors.get(rackId)!.inletTopC * 10) / 10);
      expect(body.unit).toBe('C');
      expect(body.ts).toBe('2025-06-01T12:00:00.000Z');
    }
    expect(new Set(got.map((g) => g.topic)).size).toBe(3);
  });

  /** mosquitto_sub as a child process: each received line as it arrives (it flushes per message). */
  function watch(topic: string, count: number) {
    const child = spawn(MOSQUITTO_SUB, ['-h', '127.0.0.1', '-t', topic, '-C', String(count), '-W', '15']);
    const got: string[] = [];
    const waiters: Array<() => void> = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      got.push(...parts);
      waiters.splice(0).forEach((w) => w());
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => { waiters.splice(0).forEach((w) => w()); resolve(); }));
    const lineCount = async (n: number) => {
      while (got.length < n && child.exitCode === null) await new Promise<void>((r) => waiters.push(r));
      return got.slice(0, n);
    };
    return { lineCount, exited, got };
  }

  it('a silent sensor drops off: the broker publishes its last will "offline"; it comes back "online"', async () => {
    const topic = endpoint('r1-a02').mqtt!.availabilityTopic;
    const dying = watch(topic, 2);
    expect(await dying.lineCount(1)).toEqual(['online']); // retained: the subscription is live
    f.modes.set('r1-a02', 'silent');
    expect(await dying.lineCount(2)).toEqual(['online', 'offline']);
    await dying.exited;

    // While dead no readings arrive from it.
    const quiet = await sub(endpoint('r1-a02').mqtt!.topic, 1, 2);
    expect(quiet.stdout.trim()).toBe('');

    const recovering = watch(topic, 2);
    expect(await recovering.lineCount(1)).toEqual(['offline']); // retained will
    f.modes.delete('r1-a02');
    expect(await recovering.lineCount(2)).toEqual(['offline', 'online']);
    await recovering.exited;
  });

  it('mqtt_malformed publishes a payload JSON.parse rejects on the data topic', async () => {
    f.faults.push({ id: 'm', kind: 'mqtt_malformed', target: 'r1-a01', params: {}, createdAtMs: 0 });
    try {
      const res = await sub(endpoint('r1-a01').mqtt!.topic, 1);
      expect(res.code, res.stderr).toBe(0);
      const { payload } = lines(res.stdout)[0];
      expect(() => JSON.parse(payload)).toThrow(SyntaxError);
      expect(payload.startsWith('{"ts":')).toBe(true);
    } finally {
      f.faults.length = 0;
    }
    const healthy = await sub(endpoint('r1-a01').mqtt!.topic, 1);
    expect(() => JSON.parse(lines(healthy.stdout)[0].payload)).not.toThrow();
  });
});

describe('rack sensors on the embedded aedes broker, read with MQTT.js', () => {
  const f = fakeContext();
  const siteName = site();
  let broker: EmbeddedBroker;
  let sensors: RunningRackSensors;
  let subscriber: mqtt.MqttClient;
  const received: Array<{ topic: string; payload: string; retain: boolean }> = [];
  const waitFor = async (pred: () => boolean, ms = 10_000) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    sensors = await startRackSensors(f.ctx, { brokerUrl: broker.url, site: siteName, publishIntervalMs: 200, sensorMode: f.sensorMode });
    subscriber = await mqtt.connectAsync(broker.url, { clientId: `kiban-test-${siteName}` });
    subscriber.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await subscriber.subscribeAsync(`kiban/${siteName}/#`, { qos: 1 });
  });
  afterAll(async () => {
    await subscriber?.endAsync();
    await sensors?.close();
    await broker?.close();
  });

  it('binds a free port, not 1883', () => {
    expect(broker.port).not.toBe(1883);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.connectedClients()).toBe(4); // 3 sensors + the subscriber
    expect(sensors.connectedCount()).toBe(3);
  });

  it('delivers retained "online" and readings equal to the state', async () => {
    await waitFor(() => received.filter((m) => m.topic.endsWith('/availability') && m.retain).length >= 3);
    expect(received.filter((m) => m.topic.endsWith('/availability')).every((m) => m.payload === 'online')).toBe(true);
    await waitFor(() => received.filter((m) => m.topic.endsWith('/env')).length >= 3);
    for (const m of received.filter((x) => x.topic.endsWith('/env'))) {
      const rackId = m.topic.split('/')[4];
      expect(JSON.parse(m.payload)).toEqual(rackEnvPayload(f.state.simTimeMs, f.state.sensors.get(rackId)!));
    }
  });

  it('fires the last will when a sensor dies, and reconnects when it recovers', async () => {
    const topic = sensors.endpoints.find((e) => e.rackId === 'r1-b01')!.mqtt!.availabilityTopic;
    const from = received.length;
    f.modes.set('r1-b01', 'silent');
    await waitFor(() => received.slice(from).some((m) => m.topic === topic && m.payload === 'offline'));
    expect(sensors.connectedCount()).toBe(2);
    f.modes.delete('r1-b01');
    await waitFor(() => received.slice(from).some((m) => m.topic === topic && m.payload === 'online'));
    await waitFor(() => sensors.connectedCount() === 3);
  });

  it('mqtt_malformed variants: truncated and not_json fail JSON.parse, wrong_types parses with wrong types', async () => {
    const topic = sensors.endpoints.find((e) => e.rackId === 'r1-a01')!.mqtt!.topic;
    const next = async (variant?: string) => {
      f.faults.length = 0;
      f.faults.push({ id: 'm', kind: 'mqtt_malformed', target: 'r1-a01', params: variant ? { variant } : {}, createdAtMs: 0 });
      const from = received.length;
      // skip a message that may already have been in flight before the fault
      await waitFor(() => received.slice(from).filter((m) => m.topic === topic).length >= 2);
      return received.slice(from).filter((m) => m.topic === topic)[1].payload;
    };
    try {
      const truncated = await next();
      expect(() => JSON.parse(truncated)).toThrow(SyntaxError);
      const notJson = await next('not_json');
      expect(() => JSON.parse(notJson)).toThrow(SyntaxError);
      const wrong = JSON.parse(await next('wrong_types'));
      expect(typeof wrong.ts).toBe('number');
      expect(wrong.outlet).toBeNull();
    } finally {
      f.faults.length = 0;
    }
  });
});
