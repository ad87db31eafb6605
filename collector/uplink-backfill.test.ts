/**
 * Backfill after an outage, against the scripted ingest server: the backlog is replayed oldest-first and
 * merged into bigger requests, live batches get through in between, nothing is lost or sent twice.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PointDecl, Sample } from '../server/contracts/ingest.ts';
import { silentLogger } from './logger.ts';
import { Outbox, sealedAt } from './outbox.ts';
import { startIngestServer, waitFor, type IngestServer, type RecordedRequest } from './test-support/ingest-server.ts';
import { Uplink, type SentInfo } from './uplink.ts';

const point: PointDecl = { key: 'ups-1/output.power', device: 'ups-1', metric: 'output.power', unit: 'W', kind: 'gauge' };
const device = { name: 'ups-1', kind: 'ups' as const, protocol: 'snmp' as const };
const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);
const sampleAt = (i: number): Sample => ({ point: point.key, ts: new Date(T0 + i * 1000).toISOString(), value: i, quality: 'ok' });
const tsIndex = (s: Sample) => (Date.parse(s.ts) - T0) / 1000;

describe('uplink backfill', () => {
  let server: IngestServer | undefined;
  let uplink: Uplink | undefined;
  let liveTimer: NodeJS.Timeout | undefined;
  afterEach(async () => {
    clearInterval(liveTimer);
    await uplink?.stop();
    await server?.close();
    uplink = undefined;
    server = undefined;
  });

  it('replays the backlog oldest-first in merged requests while live batches get through in between', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-backfill-'));
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000, onSealed: () => uplink?.notify() });
    // The outage: 40 batches of 5 samples sealed while the server was away.
    let next = 0;
    for (let b = 0; b < 40; b++) {
      outbox.append([device], [point], Array.from({ length: 5 }, () => sampleAt(next++)));
      await outbox.flush();
    }
    const backlogEnd = next;
    await new Promise((r) => setTimeout(r, 1200)); // the backlog is now older than liveMaxAgeMs

    server = await startIngestServer((req) => ({ status: 200, body: { batchId: req.body.batchId, accepted: req.body.samples.length, inserted: req.body.samples.length, duplicate: false } }));
    const sent: SentInfo[] = [];
    uplink = new Uplink({
      serverUrl: server.url, token: 't', outbox, logger: silentLogger,
      liveMaxAgeMs: 1000, backfillPerLive: 1,
      mergeLimits: { maxSamples: 20 }, // 4 files per backfill request, so the replay takes ~10 requests
      onSent: (info) => sent.push(info),
    });
    // Live polling goes on: a new batch every 15 ms.
    liveTimer = setInterval(() => {
      outbox.append([device], [point], [sampleAt(next++)]);
      void outbox.flush();
    }, 15);
    // The server comes back while live batches are flowing (a recent batch is sealed).
    await waitFor(async () => { const f = await outbox.pending(); return Date.now() - sealedAt(f.at(-1)!) < 500; }, 5000, 'live batches flowing');
    uplink.start();
    await waitFor(() => sent.filter((s) => s.lane === 'backfill').length >= 10 && !uplink!.stats().backfilling, 10_000, 'backlog replayed');
    clearInterval(liveTimer);
    await outbox.flush();
    const liveEnd = next;
    await waitFor(async () => (await outbox.pending()).length === 0, 10_000, 'outbox drained');

    const requests: RecordedRequest[] = server.requests;
    const lanes = sent.map((s) => s.lane);
    const backfill = requests.filter((_, i) => sent[i]?.lane === 'backfill');
    // Oldest-first: each backfill request continues exactly where the previous one ended.
    const backfillTs = backfill.flatMap((r) => (r.body.samples as Sample[]).map(tsIndex));
    expect(backfillTs.slice(0, backlogEnd)).toEqual(Array.from({ length: backlogEnd }, (_, i) => i));
    // Merged: at most 20 samples, and fewer requests than files.
    for (const r of backfill) expect(r.body.samples.length).toBeLessThanOrEqual(20);
    expect(backfill.filter((r) => r.body.samples.length > 5).length).toBeGreaterThanOrEqual(8);
    // The present went first, then alternated with the backlog: live data never waited for the whole replay.
    expect(lanes[0]).toBe('live');
    // While the outage's backlog was replayed (up to the request carrying its last sample):
    const lastBacklogRequest = requests.findIndex((r) => (r.body.samples as Sample[]).some((x) => tsIndex(x) === backlogEnd - 1));
    const duringReplay = lanes.slice(0, lastBacklogRequest + 1);
    expect(duringReplay.filter((l) => l === 'live').length).toBeGreaterThanOrEqual(3);
    // Never two live sends in a row while backlog waits (ratio 1:1).
    expect(duringReplay.join(',')).not.toContain('live,live');
    // Nothing lost, nothing twice.
    const all = requests.flatMap((r) => (r.body.samples as Sample[]).map(tsIndex)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: liveEnd }, (_, i) => i));
    expect(new Set(requests.map((r) => r.body.batchId)).size).toBe(requests.length);
  });

  it('after an outage (server errors), catches up without doubling a batch that may have been committed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-backfill-'));
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000, onSealed: () => uplink?.notify() });
    let up = false;
    // Down: 503 (the server may or may not have committed: the uplink must resend those files as they are).
    server = await startIngestServer((req) => (up
      ? { status: 200, body: { batchId: req.body.batchId, accepted: req.body.samples.length, inserted: req.body.samples.length, duplicate: false } }
      : { status: 503, body: { error: { code: 'unavailable', message: 'database down' } } }));
    uplink = new Uplink({ serverUrl: server.url, token: 't', outbox, logger: silentLogger, initialBackoffMs: 20, maxBackoffMs: 60, liveMaxAgeMs: 100 });
    uplink.start();
    let next = 0;
    liveTimer = setInterval(() => {
      outbox.append([device], [point], [sampleAt(next++)]);
      void outbox.flush();
    }, 10);
    await waitFor(() => server!.requests.length >= 8, 10_000, 'retries during the outage');
    up = true;
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(liveTimer);
    await outbox.flush();
    const total = next;
    await waitFor(async () => (await outbox.pending()).length === 0, 10_000, 'outbox drained');

    // Every batchId that failed during the outage was resent with the same content when the server was back.
    const contentById = new Map<string, string>();
    for (const r of server.requests) {
      const content = JSON.stringify(r.body.samples);
      const seen = contentById.get(r.body.batchId);
      if (seen !== undefined) expect(content).toBe(seen);
      contentById.set(r.body.batchId, content);
    }
    // Per sample: committed exactly once across the distinct batchIds the server stored.
    // (This scripted server "commits" every request it answers 200 and, pessimistically, every 503 too.)
    const committedIds = new Set<string>();
    const committed: number[] = [];
    server.requests.forEach((r) => {
      if (committedIds.has(r.body.batchId)) return;
      committedIds.add(r.body.batchId);
      committed.push(...(r.body.samples as Sample[]).map(tsIndex));
    });
    committed.sort((a, b) => a - b);
    expect(committed).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});
