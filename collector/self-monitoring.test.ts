/**
 * The collector as a whole reporting on itself and hearing traps: startCollector with a local /metrics and
 * a trap port, a real simulator (SNMP UPS sending informs to that port) and a real HTTP ingest endpoint.
 */
import { createSocket } from 'node:dgram';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../firmware-sims/index.ts';
import { ingestBatch, type IngestBatch } from '../server/contracts/ingest.ts';
import { startCollector, targetsFromSim, type CollectorHandle } from './index.ts';
import { silentLogger } from './logger.ts';
import { startIngestServer, waitFor, type IngestServer } from './test-support/ingest-server.ts';

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('collector self-monitoring and traps, end to end', () => {
  let sim: SimHandle;
  let server: IngestServer;
  let collector: CollectorHandle;
  const batches = () => server.requests.map((r) => r.body as IngestBatch);
  const samples = () => batches().flatMap((b) => b.samples);

  beforeAll(async () => {
    const trapPort = await freeUdpPort();
    sim = await startSim({ seed: 7, tickMs: 600_000, trapReceivers: [{ host: '127.0.0.1', port: trapPort, notify: 'inform' }] });
    server = await startIngestServer((req) => {
      const parsed = ingestBatch.safeParse(req.body);
      return parsed.success
        ? { status: 200, body: { batchId: parsed.data.batchId, accepted: parsed.data.samples.length, inserted: parsed.data.samples.length, duplicate: false } }
        : { status: 422, body: { error: { code: 'validation', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } } };
    });
    // One SNMP UPS (the simulated devices share 127.0.0.1, so traps are attributed to the one UPS target) and
    // one Modbus meter, polled every 500 ms; a long interval so the test sees traps before the next poll.
    const targets = (await targetsFromSim(sim.controlUrl, { mqtt: false }))
      .filter((t) => t.device === 'ups-a1' || t.device === 'meter-utility')
      .map((t) => ({ ...t, intervalMs: t.device === 'ups-a1' ? 60_000 : 500 }));
    collector = await startCollector({
      name: 'edge-selfmon', serverUrl: server.url, token: 't', outboxDir: await mkdtemp(join(tmpdir(), 'kiban-selfmon-')),
      targets, logger: silentLogger, flushIntervalMs: 100, telemetryIntervalMs: 300,
      metrics: { port: 0 }, traps: { port: trapPort, host: '127.0.0.1' },
    });
  });
  afterAll(async () => {
    await collector?.stop();
    await sim?.stop();
    await server?.close();
  });

  it('serves its own /metrics with per-target polls, latency and the outbox', async () => {
    await waitFor(() => samples().some((s) => s.point === 'meter-utility/voltage'), 10_000, 'meter samples');
    expect(collector.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    // The server stores a batch before it answers, so the samples can be there a moment before the
    // collector has counted the acknowledgement: read /metrics once it has.
    let text = '';
    await waitFor(async () => {
      text = await (await fetch(collector.metricsUrl!)).text();
      return /^kiban_collector_uplink_batches_sent_total [1-9]/m.test(text);
    }, 5_000, 'the acknowledged batch on /metrics');
    expect(text).toMatch(/kiban_collector_polls_total\{device="meter-utility",protocol="modbus",result="ok"\} [1-9]/);
    expect(text).toMatch(/kiban_collector_poll_duration_seconds_count\{device="meter-utility"\} [1-9]/);
    expect(text).toMatch(/^kiban_collector_outbox_batches \d+$/m);
    expect(text).toMatch(/^kiban_collector_uplink_batches_sent_total [1-9]/m);
  });

  it('sends the same figures to the server as samples of its own device and of each target', async () => {
    await waitFor(() => samples().some((s) => s.point === 'edge-selfmon/outbox.depth') && samples().some((s) => s.point === 'meter-utility/collector.poll.latency'), 10_000, 'telemetry samples');
    const decl = batches().flatMap((b) => b.devices ?? []).find((d) => d.name === 'edge-selfmon');
    expect(decl).toMatchObject({ kind: 'collector', protocol: 'internal' });
    const latency = samples().filter((s) => s.point === 'meter-utility/collector.poll.latency' && s.quality === 'ok');
    expect(latency.length).toBeGreaterThan(0);
    expect(latency.every((s) => s.value! > 0 && s.value! < 5)).toBe(true); // seconds, loopback
    const polls = () => samples().filter((s) => s.point === 'edge-selfmon/collector.polls').map((s) => s.value!);
    await waitFor(() => polls().at(-1)! > polls()[0], 10_000, 'the polls counter to move'); // a counter, not a constant
  });

  it('a UPS going to battery is an event within seconds, long before its next poll', async () => {
    await waitFor(() => samples().some((s) => s.point === 'ups-a1/output.source'), 10_000, 'first UPS poll');
    const injectedAt = Date.now();
    const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'utility_failure', target: 'ups-a1' }) });
    expect(res.status).toBe(201);
    await waitFor(() => batches().some((b) => (b.events ?? []).some((e) => e.name === 'ups.on_battery')), 5000, 'ups.on_battery event');
    expect(Date.now() - injectedAt).toBeLessThan(5000); // the UPS is polled only every 60 s
    const event = batches().flatMap((b) => b.events ?? []).find((e) => e.name === 'ups.on_battery')!;
    expect(event).toMatchObject({ device: 'ups-a1', source: 'snmp-inform', severity: 'major' });
    // the trap's implied point update arrives with it: output source = battery (5)
    expect(samples().some((s) => s.point === 'ups-a1/output.source' && s.value === 5 && Date.parse(s.ts) >= injectedAt - 1000)).toBe(true);
    expect(await (await fetch(collector.metricsUrl!)).text()).toMatch(/^kiban_collector_traps_total [1-9]/m);
  });
});
