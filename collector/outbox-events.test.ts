/** Events in the outbox: sealed at once (not at the flush tick), within the server's limits, kept by merges. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INGEST_LIMITS, ingestBatch, type DeviceDecl, type IngestEvent, type PointDecl } from '../server/contracts/ingest.ts';
import { Outbox } from './outbox.ts';

const device: DeviceDecl = { name: 'ups-1', kind: 'ups', protocol: 'snmp', address: '127.0.0.1:1161', profile: 'rfc1628-ups' };
const sourcePoint: PointDecl = { key: 'ups-1/output.source', device: 'ups-1', metric: 'output.source', unit: '', kind: 'gauge', role: 'ups.output.source' };
const event = (i = 0): IngestEvent => ({
  eventId: crypto.randomUUID(), device: 'ups-1', ts: new Date(Date.UTC(2026, 10, 22, 1, 0, i)).toISOString(), source: 'snmp-trap',
  name: 'ups.on_battery', severity: 'major', message: 'ups-1 on battery', attributes: { trapOid: '1.3.6.1.2.1.33.2.1' },
});
const tempDir = () => mkdtemp(join(tmpdir(), 'kiban-outbox-ev-'));

describe('outbox events', () => {
  it('appendEvents seals at once, with the device declaration and the implied samples and their points', async () => {
    const sealed: string[] = [];
    const outbox = await Outbox.open({ dir: await tempDir(), collector: 'edge-1', flushIntervalMs: 60_000, onSealed: (f) => sealed.push(f) });
    const ev = event();
    const file = await outbox.appendEvents([device], [ev], [sourcePoint], [{ point: 'ups-1/output.source', ts: ev.ts, value: 5, quality: 'ok' }]);
    expect(file).toBeDefined();
    expect(sealed).toEqual([file]);
    const batch = await outbox.read(file!);
    expect(ingestBatch.safeParse(batch).success).toBe(true);
    expect(batch.events).toEqual([ev]);
    expect(batch.devices).toEqual([device]);
    expect(batch.points).toEqual([sourcePoint]);
    expect(batch.samples).toEqual([{ point: 'ups-1/output.source', ts: ev.ts, value: 5, quality: 'ok' }]);
    await outbox.close();
  });

  it('a sample-only batch has no events field; more events than one batch may carry go in several batches', async () => {
    const outbox = await Outbox.open({ dir: await tempDir(), collector: 'edge-1', flushIntervalMs: 60_000 });
    outbox.append([device], [sourcePoint], [{ point: 'ups-1/output.source', ts: new Date().toISOString(), value: 3, quality: 'ok' }]);
    expect((await outbox.read((await outbox.flush())!)).events).toBeUndefined();

    const storm = Array.from({ length: INGEST_LIMITS.maxEvents + 5 }, (_, i) => event(i % 60));
    await outbox.appendEvents([device], storm);
    await outbox.close();
    const files = await outbox.pending();
    const batches = await Promise.all(files.map((f) => outbox.read(f)));
    const counts = batches.map((b) => b.events?.length ?? 0).filter((n) => n > 0);
    expect(counts).toEqual([INGEST_LIMITS.maxEvents, 5]);
    for (const b of batches) expect(ingestBatch.safeParse(b).success).toBe(true);
  });

  it('merging a backlog keeps every event', async () => {
    const outbox = await Outbox.open({ dir: await tempDir(), collector: 'edge-1', flushIntervalMs: 60_000 });
    const a = event(1);
    const b = event(2);
    await outbox.appendEvents([device], [a]);
    await outbox.appendEvents([device], [b]);
    const merged = await outbox.mergeOldest(await outbox.pending(), { maxSamples: 50_000, maxPoints: 10_000, maxDevices: 1_000, maxBytes: 1e9 });
    expect(merged?.mergedFrom).toHaveLength(2);
    expect((await outbox.read(merged!.file)).events?.map((e) => e.eventId)).toEqual([a.eventId, b.eventId]);
    await outbox.close();
  });
});
