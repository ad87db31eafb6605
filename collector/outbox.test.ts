import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestBatch, type DeviceDecl, type PointDecl, type Sample } from '../server/contracts/ingest.ts';
import { Outbox } from './outbox.ts';

const device: DeviceDecl = { name: 'ups-1', kind: 'ups', protocol: 'snmp', address: '127.0.0.1:1161', profile: 'rfc1628-ups' };
const points: PointDecl[] = [
  { key: 'ups-1/output.l1.power', device: 'ups-1', metric: 'output.l1.power', unit: 'W', kind: 'gauge', role: 'ups.output.power' },
  { key: 'ups-1/output.l1.load', device: 'ups-1', metric: 'output.l1.load', unit: '%', kind: 'gauge', role: 'ups.output.load' },
];
const otherDevice: DeviceDecl = { name: 'ups-2', kind: 'ups', protocol: 'snmp' };
const otherPoint: PointDecl = { key: 'ups-2/output.l1.power', device: 'ups-2', metric: 'output.l1.power', unit: 'W', kind: 'gauge' };

function samplesAt(ts: string, power = 4000): Sample[] {
  return [
    { point: 'ups-1/output.l1.power', ts, value: power, quality: 'ok' },
    { point: 'ups-1/output.l1.load', ts, value: 50, quality: 'ok' },
  ];
}

const tempDir = () => mkdtemp(join(tmpdir(), 'kiban-outbox-'));

describe('outbox', () => {
  it('seals a batch file in the IngestBatch shape with the declarations it references', async () => {
    const dir = await tempDir();
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
    outbox.append([device, otherDevice], [...points, otherPoint], samplesAt('2026-11-22T01:00:00.000Z'));
    const file = await outbox.flush();
    expect(file).toMatch(/^\d{13}-\d{6}-[0-9a-f-]{36}\.json$/);
    const batch = await outbox.read(file!);
    expect(ingestBatch.safeParse(batch).success).toBe(true);
    expect(batch.collector).toBe('edge-1');
    expect(batch.samples).toHaveLength(2);
    expect(batch.devices).toEqual([device]); // ups-2 has no samples in this batch
    expect(batch.points).toEqual(points);
    expect(file).toContain(batch.batchId);
  });

  it('flushes on its own after flushIntervalMs and splits at maxBatchSamples', async () => {
    const dir = await tempDir();
    const sealed: string[] = [];
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 50, maxBatchSamples: 3, onSealed: (f) => sealed.push(f) });
    outbox.append([device], points, [...samplesAt('2026-11-22T01:00:00.000Z'), ...samplesAt('2026-11-22T01:00:05.000Z')]);
    await new Promise((r) => setTimeout(r, 200));
    const files = await outbox.pending();
    expect(files).toHaveLength(2);
    expect(sealed).toEqual(files);
    const sizes = await Promise.all(files.map(async (f) => (await outbox.read(f)).samples.length));
    expect(sizes).toEqual([3, 1]);
    expect(outbox.pendingCount).toBe(2);
  });

  it('survives a crash: a re-opened outbox has the same pending batches, oldest first; tmp leftovers are ignored and cleaned', async () => {
    const dir = await tempDir();
    const first = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
    first.append([device], points, samplesAt('2026-11-22T01:00:00.000Z', 1));
    const a = await first.flush();
    first.append([device], points, samplesAt('2026-11-22T01:00:05.000Z', 2));
    const b = await first.flush();
    first.append([device], points, samplesAt('2026-11-22T01:00:10.000Z', 3)); // in memory only: lost in a crash, by design
    const batchA = await first.read(a!);
    // "Crash": never call close(); a half-written tmp file is left behind.
    await writeFile(join(dir, `${'9'.repeat(13)}-000000-00000000-0000-0000-0000-000000000000.json.tmp`), '{"batchId": "trunc');

    const reopened = await Outbox.open({ dir, collector: 'edge-1' });
    expect(await reopened.pending()).toEqual([a, b]);
    expect(reopened.pendingCount).toBe(2);
    expect(await reopened.read(a!)).toEqual(batchA);
    expect((await readdir(dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('deletes a batch only on ack, and moves a rejected one to rejected/ with the reason', async () => {
    const dir = await tempDir();
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
    outbox.append([device], points, samplesAt('2026-11-22T01:00:00.000Z'));
    const keep = (await outbox.flush())!;
    outbox.append([device], points, samplesAt('2026-11-22T01:00:05.000Z'));
    const bad = (await outbox.flush())!;
    await outbox.reject(bad, 'HTTP 422: validation: samples[0].ts');
    expect(await outbox.pending()).toEqual([keep]);
    expect(await outbox.rejectedFiles()).toEqual([bad]);
    expect(await readFile(join(dir, 'rejected', `${bad}.reason.txt`), 'utf8')).toContain('HTTP 422');
    await outbox.ack(keep);
    expect(await outbox.pending()).toEqual([]);
  });

  it('close() seals what is in memory', async () => {
    const dir = await tempDir();
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
    outbox.append([device], points, samplesAt('2026-11-22T01:00:00.000Z'));
    expect(outbox.bufferedSamples).toBe(2);
    await outbox.close();
    expect(await outbox.pending()).toHaveLength(1);
    expect(() => outbox.append([device], points, samplesAt('2026-11-22T01:00:00.000Z'))).toThrow(/closed/);
  });
});
