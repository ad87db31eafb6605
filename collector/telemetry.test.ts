/**
 * Self-monitoring: the figures a site operator reads on the collector's local /metrics and the samples
 * the server receives about the collector, both from the same counters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ingestBatch } from '../server/contracts/ingest.ts';
import { CollectorTelemetry, startMetricsServer, type MetricsServer } from './telemetry.ts';

let server: MetricsServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

function fixture() {
  let now = Date.parse('2026-12-01T00:00:00Z');
  const outbox = { pendingBatches: 3, oldestAgeMs: 42_000, bytes: 12_345, droppedSamples: 7, droppedBatches: 1, batchesSent: 10, batchesRejected: 0 };
  const t = new CollectorTelemetry({ collector: 'edge-1', version: '0.1.0', outbox: () => outbox, now: () => now });
  t.recordPoll('ups-a1', 'snmp', 'ok', 120);
  t.recordPoll('ups-a1', 'snmp', 'ok', 80);
  t.recordPoll('pdu-"x"', 'snmp', 'comm_loss', 2000);
  t.recordPoll('pdu-"x"', 'snmp', 'skipped');
  t.recordSamples(55);
  now += 90_000;
  return { t, outbox };
}

describe('collector telemetry', () => {
  it('serves Prometheus text on a local /metrics with per-target histograms and outbox figures', async () => {
    const { t } = fixture();
    server = await startMetricsServer(t, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('kiban_collector_polls_total{device="ups-a1",protocol="snmp",result="ok"} 2');
    expect(text).toContain('kiban_collector_polls_total{device="pdu-\\"x\\"",protocol="snmp",result="skipped"} 1');
    expect(text).toContain('kiban_collector_poll_errors_total{device="pdu-\\"x\\""} 1');
    // 80 ms and 120 ms: both ≤ 0.25 s, neither ≤ 0.05 s
    expect(text).toContain('kiban_collector_poll_duration_seconds_bucket{device="ups-a1",le="0.05"} 0');
    expect(text).toContain('kiban_collector_poll_duration_seconds_bucket{device="ups-a1",le="0.1"} 1');
    expect(text).toContain('kiban_collector_poll_duration_seconds_bucket{device="ups-a1",le="+Inf"} 2');
    expect(text).toContain('kiban_collector_poll_duration_seconds_sum{device="ups-a1"} 0.2');
    expect(text).toContain('kiban_collector_outbox_batches 3');
    expect(text).toContain('kiban_collector_outbox_oldest_age_seconds 42');
    expect(text).toContain('kiban_collector_outbox_dropped_samples_total 7');
    expect(text).toContain('kiban_collector_uptime_seconds 90');
    // every sample line is `name{labels} number`
    for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{.*\})? -?[0-9.e+]+$/);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('reports the same figures as Kiban samples the ingest contract accepts', () => {
    const { t } = fixture();
    const snap = t.snapshot('2026-12-01T00:01:30.000Z');
    const batch = ingestBatch.safeParse({ batchId: crypto.randomUUID(), collector: 'edge-1', ...snap });
    expect(batch.success, JSON.stringify(batch.error?.issues)).toBe(true);
    const value = (key: string) => snap.samples.find((s) => s.point === key);
    expect(value('edge-1/outbox.depth')).toMatchObject({ value: 3, quality: 'ok' });
    expect(value('edge-1/outbox.age')).toMatchObject({ value: 42, quality: 'ok' });
    expect(value('edge-1/collector.polls')).toMatchObject({ value: 3 });
    expect(value('edge-1/collector.targets.comm_loss')).toMatchObject({ value: 1 });
    expect(value('ups-a1/collector.poll.latency')).toMatchObject({ value: 0.08, quality: 'ok' });
    expect(snap.samples.some((s) => s.point.startsWith('pdu-"x"/'))).toBe(false); // not a valid device name: /metrics only
    expect(snap.devices).toEqual([expect.objectContaining({ name: 'edge-1', kind: 'collector', protocol: 'internal' })]);
    expect(snap.points.find((p) => p.key === 'ups-a1/collector.poll.latency')).toMatchObject({ unit: 's', kind: 'gauge' });
  });
});
