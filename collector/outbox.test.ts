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

describe('outbox disk cap', () => {
  /** Seals `n` batches of 2 samples each, one per second of ts, returns their names. */
  async function sealMany(outbox: Outbox, n: number, from = 0): Promise<string[]> {
    const names: string[] = [];
    for (let i = from; i < from + n; i++) {
      outbox.append([device], points, samplesAt(new Date(Date.UTC(2026, 10, 22, 1, 0, i)).toISOString(), i));
      const name = await outbox.flush();
      if (name) names.push(name);
    }
    return names;
  }

  it('drop-oldest (default): keeps the newest batches under maxBytes and counts every dropped sample', async () => {
    const dir = await tempDir();
    const errors: string[] = [];
    const logger = { info: () => {}, warn: () => {}, error: (_o: object, msg?: string) => { errors.push(msg ?? ''); } };
    const probe = await Outbox.open({ dir: await tempDir(), collector: 'edge-1', flushIntervalMs: 60_000 });
    await sealMany(probe, 1);
    const batchBytes = probe.stats().pendingBytes;
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000, maxBytes: batchBytes * 4 + 10, logger });
    expect(outbox.stats().whenFull).toBe('drop-oldest');
    await sealMany(outbox, 10);
    const pending = await outbox.pending();
    const stats = outbox.stats();
    expect(pending).toHaveLength(4);
    expect(stats.pendingBytes).toBeLessThanOrEqual(stats.maxBytes);
    // The newest data survived (power values 6..9), the oldest went.
    const kept = await Promise.all(pending.map(async (f) => (await outbox.read(f)).samples[0].value));
    expect(kept).toEqual([6, 7, 8, 9]);
    expect(stats.droppedBatches).toBe(6);
    expect(stats.droppedSamples).toBe(12);
    expect(stats.rejectedNewSamples).toBe(0);
    // Logged clearly (once, then rate-limited with running totals).
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatch(/outbox full.*dropped/);
  });

  it('drop-oldest never drops a batch the uplink is sending, and counts batches from a previous run too', async () => {
    const dir = await tempDir();
    const first = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
    const old = await sealMany(first, 3);
    const batchBytes = first.stats().pendingBytes / 3;
    // Re-open (previous run's files: sizes from disk, sample counts read on drop) with a cap of 3 batches.
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000, maxBytes: Math.floor(batchBytes * 3) + 10 });
    expect(outbox.stats().pendingBytes).toBe(first.stats().pendingBytes);
    await outbox.beginSend(old[0]);
    await sealMany(outbox, 2, 3);
    const pending = await outbox.pending();
    expect(pending[0]).toBe(old[0]); // in flight: kept
    expect(pending).not.toContain(old[1]);
    expect(pending).not.toContain(old[2]);
    expect(outbox.stats().droppedSamples).toBe(4);
    outbox.endSend(old[0], true);
  });

  it('reject-new: keeps the oldest data and counts the rejected new samples', async () => {
    const dir = await tempDir();
    const probe = await Outbox.open({ dir: await tempDir(), collector: 'edge-1', flushIntervalMs: 60_000 });
    await sealMany(probe, 1);
    const batchBytes = probe.stats().pendingBytes;
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000, maxBytes: batchBytes * 3 + 10, whenFull: 'reject-new' });
    const sealed = await sealMany(outbox, 7);
    expect(sealed).toHaveLength(3);
    const pending = await outbox.pending();
    const kept = await Promise.all(pending.map(async (f) => (await outbox.read(f)).samples[0].value));
    expect(kept).toEqual([0, 1, 2]);
    const stats = outbox.stats();
    expect(stats.rejectedNewBatches).toBe(4);
    expect(stats.rejectedNewSamples).toBe(8);
    expect(stats.droppedSamples).toBe(0);
    // Space again once the server took some: new samples are accepted again.
    await outbox.ack(pending[0]);
    expect(await sealMany(outbox, 1, 100)).toHaveLength(1);
  });

  it('refuses a nonsense configuration with a clear error', async () => {
    await expect(Outbox.open({ dir: await tempDir(), collector: 'e', maxBytes: 0 })).rejects.toThrow(/maxBytes must be positive/);
    await expect(Outbox.open({ dir: await tempDir(), collector: 'e', whenFull: 'drop-newest' as never })).rejects.toThrow(/whenFull must be one of drop-oldest, reject-new/);
  });
});

describe('outbox backfill merge', () => {
  const limits = { maxSamples: 50_000, maxPoints: 10_000, maxDevices: 1000, maxBytes: 8 * 1024 * 1024 };

  async function sealed(n: number) {
    const dir = await tempDir();
    const outbox = await Outbox.open({ dir, collector: 'edge-1', flushIntervalMs: 60_000 });
    const files: string[] = [];
    for (let i = 0; i < n; i++) {
      outbox.append([device], points, samplesAt(new Date(Date.UTC(2026, 10, 22, 1, 0, i)).toISOString(), i));
      files.push((await outbox.flush())!);
    }
    return { dir, outbox, files };
  }

  it('merges the oldest run into one batch that takes the oldest place, within the limits', async () => {
    const { outbox, files } = await sealed(5);
    const merged = await outbox.mergeOldest(files, { ...limits, maxSamples: 6 });
    expect(merged?.mergedFrom).toEqual(files.slice(0, 3));
    const pending = await outbox.pending();
    expect(pending).toEqual([merged!.file, files[3], files[4]]);
    const batch = await outbox.read(merged!.file);
    expect(ingestBatch.safeParse(batch).success).toBe(true);
    expect(batch.samples.map((s) => s.value)).toEqual([0, 50, 1, 50, 2, 50]);
    expect(batch.points).toEqual(points);
    expect(merged!.file).toContain(batch.batchId);
    expect(outbox.stats().pendingBatches).toBe(3);
  });

  it('never merges a batch that was sent before (it may be committed under its own batchId)', async () => {
    const { dir, outbox, files } = await sealed(4);
    await outbox.beginSend(files[1]);
    outbox.endSend(files[1], true); // e.g. timed out: the server may have it
    expect(await outbox.mergeOldest(files, limits)).toBeUndefined(); // run stops at files[1]: only one file
    // The mark survives a crash.
    const reopened = await Outbox.open({ dir, collector: 'edge-1' });
    expect(reopened.mergeable(files[1])).toBe(false);
    expect(reopened.mergeable(files[2])).toBe(true);
    const merged = await reopened.mergeOldest(files.slice(2), limits);
    expect(merged?.mergedFrom).toEqual(files.slice(2));
    // A refused connection proves that attempt never arrived, not the earlier one (the server may have
    // committed it and gone down before answering): still never merged.
    await reopened.beginSend(files[1]);
    reopened.endSend(files[1], false);
    expect(reopened.mergeable(files[1])).toBe(false);
    // A file whose only attempt was refused never reached anyone: mergeable again.
    await reopened.beginSend(merged!.file);
    reopened.endSend(merged!.file, false);
    expect(reopened.mergeable(merged!.file)).toBe(true);
  });

  it('a crash during a merge leaves every sample in exactly one pending file', async () => {
    // Crash after the merged file was written, before the originals were removed: open() finishes it.
    const a = await sealed(3);
    const mergedName = `${a.files[0].slice(0, 21)}11111111-1111-4111-8111-111111111111.json`;
    const all = await Promise.all(a.files.map((f) => a.outbox.read(f)));
    await writeFile(join(a.dir, mergedName), JSON.stringify({ ...all[0], batchId: '11111111-1111-4111-8111-111111111111', samples: all.flatMap((b) => b.samples) }));
    await writeFile(join(a.dir, 'merge-journal.json'), JSON.stringify({ merged: mergedName, from: a.files }));
    const finished = await Outbox.open({ dir: a.dir, collector: 'edge-1' });
    expect(await finished.pending()).toEqual([mergedName]);
    expect((await readdir(a.dir)).includes('merge-journal.json')).toBe(false);
    // Crash before the merged file was complete: open() undoes it (the originals stay).
    const b = await sealed(3);
    await writeFile(join(b.dir, `${b.files[0].slice(0, 21)}22222222-2222-4222-8222-222222222222.json.tmp`), '{"trunc');
    await writeFile(join(b.dir, 'merge-journal.json'), JSON.stringify({ merged: `${b.files[0].slice(0, 21)}22222222-2222-4222-8222-222222222222.json`, from: b.files }));
    const undone = await Outbox.open({ dir: b.dir, collector: 'edge-1' });
    expect(await undone.pending()).toEqual(b.files);
  });
});
