import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../firmware-sims/index.ts';
import { upsMibValueAt } from '../firmware-sims/devices/ups/ups-snmp.ts';
import { ingestBatch, type IngestBatch } from '../server/contracts/ingest.ts';
import { startCollector, targetsFromSim, type TargetConfig } from './index.ts';
import { silentLogger } from './logger.ts';
import { Outbox } from './outbox.ts';
import { deadUdpPort, startIngestServer, waitFor, type IngestServer } from './test-support/ingest-server.ts';
import { collectorCliRunner } from './test-support/cli.ts';

const TOKEN = 'kbn_collector_e2e_token';

function batchesOf(server: IngestServer): IngestBatch[] {
  return server.requests.map((r) => r.body as IngestBatch);
}

describe('collector end to end: simulator → collector → ingest server', () => {
  let sim: SimHandle;
  let server: IngestServer;

  beforeAll(async () => {
    sim = await startSim({ seed: 99, tickMs: 600_000 });
    server = await startIngestServer((req) => {
      const parsed = ingestBatch.safeParse(req.body);
      return parsed.success
        ? { status: 200, body: { batchId: parsed.data.batchId, accepted: parsed.data.samples.length, inserted: parsed.data.samples.length, duplicate: false } }
        : { status: 422, body: { error: { code: 'validation', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } } };
    });
  });
  afterAll(async () => {
    await sim?.stop();
    await server?.close();
  });

  it('targetsFromSim maps the simulator devices to targets', async () => {
    // Every simulated device has a driver and a shipped profile; the polled ones map like this (the MQTT
    // sensors are checked below).
    const shipped = new Set(['rfc1628-ups', 'apc-ups-modbus', 'liebert-icom', 'kiban-energy-meter', 'kiban-water-meter', 'raritan-px2', 'servertech-sentry4']);
    const expected: TargetConfig[] = sim.devices.filter((d) => shipped.has(d.profile)).map((d) => ({
      device: d.id, kind: d.kind, profile: d.profile, host: d.host, port: d.port,
      ...(d.protocol === 'snmp' ? { community: 'public', ...(d.snmp?.v3 ? { v3: d.snmp.v3 } : {}) } : { unitId: d.modbus!.unitId, ...(d.modbus!.wordOrder ? { wordOrder: d.modbus!.wordOrder } : {}) }),
      vendor: d.vendor, model: d.model,
    }));
    expect(expected.filter((t) => t.profile === 'rfc1628-ups').map((t) => t.device)).toEqual(['ups-a1', 'ups-b1']);
    expect(expected.filter((t) => t.profile !== 'rfc1628-ups').length).toBeGreaterThanOrEqual(4);
    expect(expected.find((t) => t.device === 'meter-pv')).toMatchObject({ profile: 'kiban-energy-meter', unitId: 1, wordOrder: 'CDAB' });
    const all = await targetsFromSim(sim.controlUrl);
    expect(all.filter((t) => !t.mqtt)).toEqual(expected);
    const sensors = sim.devices.filter((d) => d.protocol === 'mqtt');
    expect(all.filter((t) => t.mqtt).map((t) => [t.device, t.profile, t.mqtt!.topic])).toEqual(sensors.map((d) => [d.id, 'kiban-rack-env-json', d.mqtt!.topic]));
    expect(all.length).toBe(sim.devices.length);
    expect(await targetsFromSim(`${sim.controlUrl}/sim/v1/`)).toEqual(all);
  });

  it('polls the UPS, ships contract-valid batches that match the truth, and isolates a dead device', async () => {
    const outboxDir = await mkdtemp(join(tmpdir(), 'kiban-collector-'));
    const targets = [
      ...(await targetsFromSim(sim.controlUrl)).map((t) => ({ ...t, intervalMs: 500 })),
      // A dead device with a long interval: its timeouts must not delay the live UPSes.
      { device: 'ups-dead', kind: 'ups' as const, profile: 'rfc1628-ups', host: '127.0.0.1', port: await deadUdpPort(), intervalMs: 1000 },
    ];
    const collector = await startCollector({ name: 'edge-test', serverUrl: server.url, token: TOKEN, outboxDir, targets, flushIntervalMs: 100, logger: silentLogger });
    const before = server.requests.length;
    try {
      await waitFor(() => batchesOf(server).slice(before).flatMap((b) => b.samples).some((s) => s.point.startsWith('ups-dead/')), 8000, 'comm_loss samples from ups-dead');
      await waitFor(() => collector.stats().polls >= 6, 8000, 'several polls');
    } finally {
      await collector.stop();
    }

    const batches = batchesOf(server).slice(before);
    expect(batches.length).toBeGreaterThan(0);
    for (const req of server.requests.slice(before)) expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    for (const b of batches) {
      expect(ingestBatch.safeParse(b).success).toBe(true);
      expect(b.collector).toBe('edge-test');
      // every sample's point and device are declared in the same batch
      const declared = new Set(b.points!.map((p) => p.key));
      const devices = new Set(b.devices!.map((d) => d.name));
      for (const s of b.samples) {
        expect(declared.has(s.point), s.point).toBe(true);
        expect(devices.has(s.point.split('/')[0])).toBe(true);
      }
    }
    const all = batches.flatMap((b) => b.samples);
    // What the agent serves for the (frozen) physics state, at the profile's scale.
    const ups = sim.model.state().ups.get('ups-a1')!;
    const served = (oid: string, scale = 1) => (upsMibValueAt(ups, 'ups-a1', oid) as number) * scale;
    const power = all.filter((s) => s.point === 'ups-a1/output.l1.power');
    const okPower = power.filter((s) => s.quality === 'ok');
    expect(okPower.length).toBeGreaterThanOrEqual(3);
    // The dead device's timeouts cost ups-a1 nothing; a CPU-starved test machine may miss one 500 ms deadline.
    expect(power.length - okPower.length).toBeLessThanOrEqual(1);
    for (const s of okPower) expect(s).toMatchObject({ value: served('1.3.6.1.2.1.33.1.4.4.1.4.1'), quality: 'ok' });
    expect(all.find((s) => s.point === 'ups-a1/output.l1.current')!.value).toBeCloseTo(served('1.3.6.1.2.1.33.1.4.4.1.3.1', 0.1), 9);
    expect(all.find((s) => s.point === 'ups-a1/input.l1.power')!.value).toBe(served('1.3.6.1.2.1.33.1.3.3.1.5.1'));
    // ups-a1 kept its 500 ms cadence while ups-dead timed out: one sample per poll, no gaps
    const polls1 = new Set(okPower.map((s) => s.ts));
    expect(polls1.size).toBe(okPower.length);
    const dead = all.filter((s) => s.point.startsWith('ups-dead/'));
    expect(dead.length).toBeGreaterThan(0);
    for (const s of dead) expect(s).toMatchObject({ value: null, quality: 'comm_loss' });

    const simUps = sim.devices.find((d) => d.id === 'ups-a1')!;
    const upsDecl = batches.flatMap((b) => b.devices!).find((d) => d.name === 'ups-a1')!;
    expect(upsDecl).toMatchObject({ kind: 'ups', protocol: 'snmp', address: `127.0.0.1:${simUps.port}`, profile: 'rfc1628-ups', vendor: simUps.vendor, model: simUps.model });
    const powerDecl = batches.flatMap((b) => b.points!).find((p) => p.key === 'ups-a1/output.l1.power')!;
    expect(powerDecl).toMatchObject({ device: 'ups-a1', metric: 'output.l1.power', unit: 'W', kind: 'gauge', role: 'ups.output.power' });

    // stop() sealed the rest and sent it: nothing left behind
    const stats = collector.stats();
    expect(stats.batchesPending).toBe(0);
    expect(stats.batchesSent).toBe(batches.length);
    expect(stats.samples).toBe(all.length);
    expect((await (await Outbox.open({ dir: outboxDir, collector: 'x' })).pending())).toEqual([]);
  });

  it('keeps batches on disk while the server is down and sends them on the next start', async () => {
    const outboxDir = await mkdtemp(join(tmpdir(), 'kiban-collector-'));
    const targets = (await targetsFromSim(sim.controlUrl)).map((t) => ({ ...t, intervalMs: 100 }));
    const down = await startCollector({ name: 'edge-test', serverUrl: 'http://127.0.0.1:9', token: TOKEN, outboxDir, targets, flushIntervalMs: 50, logger: silentLogger });
    await waitFor(() => down.stats().polls >= 3, 5000, 'polls while server is down');
    await down.stop();
    const stranded = down.stats().batchesPending;
    expect(stranded).toBeGreaterThan(0);

    const before = server.requests.length;
    const up = await startCollector({ name: 'edge-test', serverUrl: server.url, token: TOKEN, outboxDir, targets: [], logger: silentLogger });
    await waitFor(() => up.stats().batchesSent >= stranded, 5000, 'stranded batches sent');
    await up.stop();
    expect(server.requests.length - before).toBe(stranded);
    expect(up.stats().batchesPending).toBe(0);
  });

  it('rejects a bad config before polling anything', async () => {
    const base = { name: 'edge-test', serverUrl: server.url, token: TOKEN, outboxDir: await mkdtemp(join(tmpdir(), 'kiban-collector-')), logger: silentLogger };
    await expect(startCollector({ ...base, token: '', targets: [] })).rejects.toThrow(/token/);
    await expect(startCollector({ ...base, targets: [{ device: 'x', kind: 'ups', profile: 'no-such-profile', host: '127.0.0.1', port: 161 }] })).rejects.toThrow(/no-such-profile\.yaml.*ENOENT/);
    const t: TargetConfig = { device: 'a', kind: 'ups', profile: 'rfc1628-ups', host: '127.0.0.1', port: 161 };
    await expect(startCollector({ ...base, targets: [t, t] })).rejects.toThrow(/duplicate device/);
  });
});

describe('kiban collector CLI', () => {
  const { run, killAll } = collectorCliRunner();
  afterAll(killAll);

  it('prints help', async () => {
    const r = run(['--help']);
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('Usage: kiban collector');
    expect(r.out()).toContain('KIBAN_TOKEN');
  });

  it('requires a token', async () => {
    const r = run(['--server', 'http://127.0.0.1:1', '--sim', 'http://127.0.0.1:1']);
    expect(await r.exited).toBe(2);
    expect(r.err()).toContain('token is required');
  });

  it('polls targets from --config and from --sim, ships to --server, stops on SIGTERM without logging the token', async () => {
    const sim = await startSim({ tickMs: 600_000 });
    const server = await startIngestServer();
    const dir = await mkdtemp(join(tmpdir(), 'kiban-collector-cli-'));
    const config = join(dir, 'targets.yaml');
    await writeFile(config, `targets:\n  - device: ups-cfg\n    kind: ups\n    profile: rfc1628-ups\n    host: 127.0.0.1\n    port: ${sim.devices.find((d) => d.id === 'ups-a1')!.port}\n`);
    try {
      const r = run(['--server', server.url, '--sim', sim.controlUrl, '--config', config, '--outbox', join(dir, 'outbox'), '--interval-ms', '200', '--name', 'edge-cli'], { KIBAN_TOKEN: TOKEN });
      await waitFor(() => {
        const points = new Set(server.requests.flatMap((q) => (q.body as IngestBatch).samples.map((s) => s.point.split('/')[0])));
        return points.has('ups-a1') && points.has('ups-cfg');
      }, 10_000, 'samples from both targets');
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(r.out()).toContain('kiban collector: stopped');
      expect(server.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.out() + r.err()).not.toContain(TOKEN);
      for (const line of r.err().trim().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      await server.close();
      await sim.stop();
    }
  });
});
