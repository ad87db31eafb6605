/**
 * The MQTT subscriber against real brokers: the simulator's embedded aedes (samples equal the truth),
 * the system Mosquitto at 127.0.0.1:1883 with a unique site (malformed payloads, a silent sensor's last
 * will) and an in-memory aedes restarted on the same port (the broker loses the session; we resubscribe).
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../../firmware-sims/index.ts';
import { startEmbeddedBroker } from '../../../firmware-sims/protocols/mqtt/broker.ts';
import type { Sample } from '../../../server/contracts/ingest.ts';
import { targetsFromSim } from '../../index.ts';
import type { Logger } from '../../logger.ts';
import { loadProfile, type MqttProfile } from '../../profile.ts';
import { waitFor } from '../../test-support/ingest-server.ts';
import { mqttSubscriptionsFor } from './collector-glue.ts';
import { MqttSubscriber, type MqttRoute } from './mqtt-subscriber.ts';

const MOSQUITTO = 'mqtt://127.0.0.1:1883';

function recorder() {
  const samples: Sample[] = [];
  const logs: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  const logger: Logger = { info: () => {}, warn: (obj, msg) => logs.push({ obj: obj as Record<string, unknown>, msg }), error: (obj, msg) => logs.push({ obj: obj as Record<string, unknown>, msg }) };
  return { samples, logs, logger, onSamples: (_d: unknown, _p: unknown, s: Sample[]) => { samples.push(...s); } };
}

function routesOf(sim: SimHandle): MqttRoute[] {
  return sim.devices.filter((d) => d.protocol === 'mqtt').map((d) => ({ device: d.id, kind: 'sensor', topic: d.mqtt!.topic }));
}

/** Forget a persistent session a test left on the shared Mosquitto. */
async function dropSession(url: string, clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0 });
  await c.endAsync();
}

async function inject(sim: SimHandle, kind: string, target: string): Promise<void> {
  const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, target }) });
  expect(res.status, await res.clone().text()).toBe(201);
}

describe('MQTT subscriber against the simulator (embedded aedes)', () => {
  let sim: SimHandle;
  let profile: MqttProfile;
  beforeAll(async () => {
    sim = await startSim({ controlPort: 0, sensorPublishIntervalMs: 500, tickMs: 600_000 });
    profile = await loadProfile('kiban-rack-env-json');
  });
  afterAll(async () => { await sim?.stop(); });

  it('targetsFromSim lists the sensors; one subscription per broker and pattern', async () => {
    expect((await targetsFromSim(sim.controlUrl, { mqtt: false })).some((t) => t.mqtt)).toBe(false); // opt-out
    const targets = (await targetsFromSim(sim.controlUrl)).filter((t) => t.mqtt);
    const sensors = sim.devices.filter((d) => d.protocol === 'mqtt');
    expect(targets.map((t) => t.device)).toEqual(sensors.map((d) => d.id));
    expect(targets[0]).toMatchObject({ kind: 'sensor', profile: 'kiban-rack-env-json', mqtt: { brokerUrl: sim.mqttUrl, topic: sensors[0].mqtt!.topic, availabilityTopic: sensors[0].mqtt!.availabilityTopic } });
    const subs = mqttSubscriptionsFor('edge', targets.map((target) => ({ target, profile })), recorder().logger, () => {});
    expect(subs).toHaveLength(1);
    // narrowed to what every sensor shares (the demo site has one room), never one filter per sensor
    const [site, room] = sensors[0].mqtt!.topic.split('/').slice(1, 3);
    expect(subs[0].filters).toEqual([`kiban/${site}/${room}/+/+/env`, `kiban/${site}/${room}/+/+/availability`]);
  });

  it("a rack's samples equal the simulator's truth at 0.1 °C", async () => {
    const r = recorder();
    const sub = new MqttSubscriber({ brokerUrl: sim.mqttUrl, profile, routes: routesOf(sim), onSamples: r.onSamples, logger: r.logger });
    sub.start();
    try {
      const rack = sim.spec.racks[0].id;
      const device = `${rack}-sensor`;
      await waitFor(() => r.samples.filter((s) => s.point.startsWith(`${device}/`) && s.quality === 'ok').length >= 10, 5000, 'two readings of the rack');
      const truth = sim.model.state().sensors.get(rack)!;
      const expected: Record<string, number> = {
        'inlet.top.temperature': truth.inletTopC, 'inlet.middle.temperature': truth.inletMiddleC, 'inlet.bottom.temperature': truth.inletBottomC,
        'outlet.temperature': truth.outletC, humidity: truth.humidityPct,
      };
      const mine = r.samples.filter((s) => s.point.startsWith(`${device}/`));
      for (const [metric, value] of Object.entries(expected)) {
        const got = mine.filter((s) => s.point === `${device}/${metric}`);
        expect(got.length, metric).toBeGreaterThanOrEqual(2);
        for (const s of got) {
          expect(s.quality).toBe('ok');
          expect(Math.abs(s.value! - value), `${metric}: ${s.value} vs ${value}`).toBeLessThanOrEqual(0.05 + 1e-9);
        }
      }
      // the payload's (simulated) time is used: the physics is frozen, so every reading has the tick's time
      expect(new Set(mine.map((s) => s.ts)).size).toBe(1);
      expect(mine[0].ts).toBe(new Date(sim.model.state().simTimeMs).toISOString());
      expect(sub.stats().subscribes).toBe(1);
      expect(r.logs).toEqual([]);
    } finally {
      await sub.close();
    }
  });
});

describe('MQTT subscriber against Mosquitto 127.0.0.1:1883', () => {
  let sim: SimHandle;
  const site = `kt-${randomUUID().slice(0, 8)}`;
  const r = recorder();
  let sub: MqttSubscriber;
  beforeAll(async () => {
    sim = await startSim({ controlPort: 0, sensorPublishIntervalMs: 300, tickMs: 600_000, mqttUrl: MOSQUITTO, mqttSite: site });
    sub = new MqttSubscriber({ brokerUrl: MOSQUITTO, profile: await loadProfile('kiban-rack-env-json'), routes: routesOf(sim), onSamples: r.onSamples, logger: r.logger, commLossRepeatMs: 300, clientIdPrefix: `kiban-test-${site}` });
    sub.start();
    await sub.whenSubscribed();
  });
  afterAll(async () => {
    await sub?.close();
    await sim?.stop();
    if (sub) await dropSession(MOSQUITTO, sub.clientId);
  });

  it.each(['truncated', 'not_json', 'wrong_types'])('mqtt_malformed (%s): sentinel samples and one log line naming topic and reason; still running', async (variant) => {
    const rack = sim.spec.racks[['truncated', 'not_json', 'wrong_types'].indexOf(variant) + 1].id;
    const device = `${rack}-sensor`;
    await waitFor(() => r.samples.some((s) => s.point === `${device}/outlet.temperature` && s.quality === 'ok'), 5000, 'good readings first');
    const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'mqtt_malformed', target: rack, params: { variant } }) });
    expect(res.status, await res.clone().text()).toBe(201);
    const from = r.samples.length;
    await waitFor(() => r.samples.slice(from).filter((s) => s.point === `${device}/outlet.temperature` && s.quality === 'sentinel').length >= 2, 5000, 'sentinel samples');
    const bad = r.samples.slice(from).filter((s) => s.point.startsWith(`${device}/`) && s.quality === 'sentinel');
    for (const s of bad) expect(s.value).toBeNull();
    const lines = r.logs.filter((l) => l.obj.device === device);
    expect(lines).toHaveLength(1); // once per device per minute, though several bad payloads came
    expect(lines[0].msg).toMatch(/payload rejected/);
    expect(lines[0].obj.topic).toBe(sim.devices.find((d) => d.id === device)!.mqtt!.topic);
    expect(String(lines[0].obj.reason)).toMatch(variant === 'wrong_types' ? /outlet: expected a finite number, got null/ : /not JSON/);
    // the other racks are unaffected
    const other = `${sim.spec.racks[0].id}-sensor`;
    const n = r.samples.length;
    await waitFor(() => r.samples.slice(n).some((s) => s.point === `${other}/humidity` && s.quality === 'ok'), 5000, 'other racks still ok');
    expect(sub.connected).toBe(true);
  });

  it('sensor_silent: the last will "offline" gives comm_loss samples, repeated while it lasts', async () => {
    const rack = sim.spec.racks[0].id;
    const device = `${rack}-sensor`;
    await inject(sim, 'sensor_silent', rack);
    const from = r.samples.length;
    // keepalive 30 s: the broker notices the dropped TCP connection at once (no DISCONNECT) and sends the will
    await waitFor(() => r.samples.slice(from).filter((s) => s.point === `${device}/inlet.top.temperature` && s.quality === 'comm_loss').length >= 2, 10_000, 'comm_loss samples');
    const lost = r.samples.slice(from).filter((s) => s.point.startsWith(`${device}/`) && s.quality === 'comm_loss');
    expect(new Set(lost.map((s) => s.point.split('/')[1]))).toEqual(new Set(['inlet.top.temperature', 'inlet.middle.temperature', 'inlet.bottom.temperature', 'outlet.temperature', 'humidity']));
    for (const s of lost) expect(s.value).toBeNull();
    expect(r.logs.some((l) => l.obj.device === device && /offline/.test(l.msg ?? ''))).toBe(true);
  });
});

describe('MQTT subscriber survives a broker restart that loses the session', () => {
  it('resubscribes on CONNACK sessionPresent=false and samples flow again', async () => {
    const profile = await loadProfile('kiban-rack-env-json');
    let broker = await startEmbeddedBroker({ port: 0 });
    const port = broker.port;
    const topic = 'kiban/S/room/row/rack-x/env';
    const r = recorder();
    const sub = new MqttSubscriber({ brokerUrl: broker.url, profile, routes: [{ device: 'rack-x-sensor', kind: 'sensor', topic }], onSamples: r.onSamples, logger: r.logger, reconnectPeriodMs: 200, commLossRepeatMs: 200 });
    const pub = mqtt.connect(broker.url, { clientId: `pub-${randomUUID()}`, reconnectPeriod: 200 });
    pub.on('error', () => {});
    let n = 0;
    const timer = setInterval(() => {
      if (pub.connected) pub.publish(topic, JSON.stringify({ inlet: { top: 20, middle: 21, bottom: 22 }, outlet: 30 + (++n % 5), humidity: 40 }));
    }, 100);
    const okCount = () => r.samples.filter((s) => s.point === 'rack-x-sensor/outlet.temperature' && s.quality === 'ok').length;
    try {
      sub.start();
      await sub.whenSubscribed();
      await waitFor(() => okCount() >= 3, 5000, 'samples before the restart');
      await broker.close();
      await waitFor(() => !sub.connected, 5000, 'subscriber notices the broker is gone');
      // the broker is gone: comm_loss, not a silent gap
      await waitFor(() => r.samples.some((s) => s.point === 'rack-x-sensor/outlet.temperature' && s.quality === 'comm_loss'), 5000, 'comm_loss while the broker is down');
      broker = await startEmbeddedBroker({ port });
      const before = okCount();
      await waitFor(() => okCount() >= before + 3, 10_000, 'samples after the restart');
      const stats = sub.stats();
      expect(stats.connects).toBeGreaterThanOrEqual(2);
      expect(stats.subscribes).toBe(2); // first connect + the CONNACK without a session
      expect(r.logs.some((l) => /connection lost/.test(l.msg ?? ''))).toBe(true);
    } finally {
      clearInterval(timer);
      await new Promise<void>((resolve) => pub.end(true, {}, () => resolve()));
      await sub.close();
      await broker.close();
    }
  });
});

describe('a sensor that stays online but stops publishing (Mosquitto)', () => {
  it('is recorded as stale (value null) after staleAfterMs, and ok again when it publishes', async () => {
    const site = `ks-${randomUUID().slice(0, 8)}`;
    const base = `kiban/${site}/room1/row1/rack9`;
    const device = 'rack9-sensor';
    const r = recorder();
    const publisher = await mqtt.connectAsync(MOSQUITTO, { clientId: `kiban-test-pub-${site}`, clean: true });
    const reading = () => JSON.stringify({ ts: new Date().toISOString(), inlet: { top: 22, middle: 21, bottom: 20 }, outlet: 30, humidity: 45 });
    const sub = new MqttSubscriber({
      brokerUrl: MOSQUITTO, profile: await loadProfile('kiban-rack-env-json'), routes: [{ device, kind: 'sensor', topic: `${base}/env` }],
      onSamples: r.onSamples, logger: r.logger, commLossRepeatMs: 200, staleAfterMs: 800, clientIdPrefix: `kiban-test-${site}`,
    });
    sub.start();
    try {
      await sub.whenSubscribed();
      await publisher.publishAsync(`${base}/availability`, 'online', { retain: true, qos: 1 });
      await publisher.publishAsync(`${base}/env`, reading(), { qos: 1 });
      await waitFor(() => r.samples.some((s) => s.point === `${device}/outlet.temperature` && s.quality === 'ok'), 5000, 'a good reading');
      // Silence while still connected and "online": no last will, so only staleness can reveal it.
      const silentFrom = Date.now();
      await waitFor(() => r.samples.some((s) => s.point === `${device}/outlet.temperature` && s.quality === 'stale'), 5000, 'stale samples');
      const firstStale = r.samples.find((s) => s.quality === 'stale')!;
      expect(Date.parse(firstStale.ts) - silentFrom).toBeGreaterThanOrEqual(600);
      expect(r.samples.filter((s) => s.quality === 'stale').every((s) => s.value === null)).toBe(true);
      expect(r.samples.some((s) => s.quality === 'comm_loss')).toBe(false); // not offline: a different condition
      expect(r.logs.filter((l) => /online but silent/.test(l.msg ?? '')).length).toBe(1);
      const n = r.samples.length;
      await publisher.publishAsync(`${base}/env`, reading(), { qos: 1 });
      await waitFor(() => r.samples.slice(n).some((s) => s.point === `${device}/outlet.temperature` && s.quality === 'ok'), 5000, 'ok again');
      await new Promise((res) => setTimeout(res, 400));
      const after = r.samples.slice(n);
      // within staleAfterMs of the new reading: no more stale samples
      expect(after.filter((s) => s.quality === 'stale' && Date.parse(s.ts) > Date.parse(after.find((x) => x.quality === 'ok')!.ts)).length).toBe(0);
    } finally {
      await sub.close();
      await publisher.publishAsync(`${base}/availability`, '', { retain: true, qos: 1 });
      await publisher.endAsync();
      await dropSession(MOSQUITTO, sub.clientId);
    }
  });
});
