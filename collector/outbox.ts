/**
 * Durable outbox: samples wait on local disk until the server has committed them.
 *
 * Samples collect in memory for at most `flushIntervalMs` (or `maxBatchSamples`), then are sealed into
 * one IngestBatch JSON file, written as tmp + fsync + rename + directory fsync, so a crash leaves either
 * the whole batch or nothing. File names sort oldest-first. A batch file is deleted only by `ack()`
 * (after a 2xx from the server) or moved to `rejected/` by `reject()`; nothing else removes it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceDecl, IngestBatch, PointDecl, Sample } from '../server/contracts/ingest.ts';
import { silentLogger, type Logger } from './logger.ts';

export interface OutboxOptions {
  dir: string;
  collector: string;
  flushIntervalMs?: number;
  maxBatchSamples?: number;
  logger?: Logger;
  /** Called after a batch file is sealed (the uplink uses it to wake up). */
  onSealed?: (file: string) => void;
}

export const BATCH_FILE = /^\d{13}-\d{6}-[0-9a-f-]{36}\.json$/;
const TMP_SUFFIX = '.tmp';

export class Outbox {
  readonly dir: string;
  readonly rejectedDir: string;
  private readonly collector: string;
  private readonly flushIntervalMs: number;
  private readonly maxBatchSamples: number;
  private readonly logger: Logger;
  private readonly onSealed?: (file: string) => void;
  private readonly devices = new Map<string, DeviceDecl>();
  private readonly points = new Map<string, PointDecl>();
  private buffer: Sample[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private sealChain: Promise<unknown> = Promise.resolve();
  private sequence = 0;
  private pendingFiles = 0;
  private closed = false;

  private constructor(opts: OutboxOptions) {
    this.dir = opts.dir;
    this.rejectedDir = join(opts.dir, 'rejected');
    this.collector = opts.collector;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
    this.maxBatchSamples = opts.maxBatchSamples ?? 5000;
    this.logger = opts.logger ?? silentLogger;
    this.onSealed = opts.onSealed;
  }

  /** Open (or re-open after a crash) the outbox in `dir`; half-written tmp files are removed. */
  static async open(opts: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(opts);
    await mkdir(outbox.rejectedDir, { recursive: true });
    const names = await readdir(outbox.dir);
    const leftovers = names.filter((n) => n.endsWith(TMP_SUFFIX));
    await Promise.all(leftovers.map((n) => rm(join(outbox.dir, n), { force: true })));
    if (leftovers.length > 0) outbox.logger.warn({ outbox: outbox.dir, removed: leftovers.length }, 'removed unfinished batch files from a previous run');
    outbox.pendingFiles = names.filter((n) => BATCH_FILE.test(n)).length;
    if (outbox.pendingFiles > 0) outbox.logger.info({ outbox: outbox.dir, pending: outbox.pendingFiles }, 'outbox has batches from a previous run');
    return outbox;
  }

  /** Number of sealed batch files waiting for the server. */
  get pendingCount(): number {
    return this.pendingFiles;
  }

  /** Samples held in memory, not yet sealed to disk. */
  get bufferedSamples(): number {
    return this.buffer.length;
  }

  /** Queue samples with the declarations of the devices and points they reference. */
  append(devices: DeviceDecl[], points: PointDecl[], samples: Sample[]): void {
    if (this.closed) throw new Error('outbox is closed');
    for (const d of devices) this.devices.set(d.name, d);
    for (const p of points) this.points.set(p.key, p);
    for (const s of samples) {
      this.buffer.push(s);
      if (this.buffer.length >= this.maxBatchSamples) void this.flush();
    }
    if (this.buffer.length > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => { void this.flush(); }, this.flushIntervalMs);
    }
  }

  /** Seal everything in memory into a batch file now. Resolves with the file name, if any. */
  flush(): Promise<string | undefined> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.buffer.length === 0) return this.sealChain.then(() => undefined);
    const samples = this.buffer;
    this.buffer = [];
    const batch = this.buildBatch(samples);
    const sealing = this.sealChain.then(() => this.writeBatch(batch));
    this.sealChain = sealing.catch((err) => {
      // Disk full or similar: keep the samples in memory and try again on the next flush.
      this.buffer = samples.concat(this.buffer);
      if (!this.flushTimer && !this.closed) this.flushTimer = setTimeout(() => { void this.flush(); }, this.flushIntervalMs);
      this.logger.error({ outbox: this.dir, err: (err as Error).message, samples: samples.length }, 'could not seal batch to disk; will retry');
    });
    return sealing.catch(() => undefined);
  }

  /** Sealed batch files, oldest first. */
  async pending(): Promise<string[]> {
    const names = await readdir(this.dir);
    const files = names.filter((n) => BATCH_FILE.test(n)).sort();
    this.pendingFiles = files.length;
    return files;
  }

  async read(file: string): Promise<IngestBatch> {
    return JSON.parse(await readFile(join(this.dir, file), 'utf8')) as IngestBatch;
  }

  /** The server committed the batch: remove it. */
  async ack(file: string): Promise<void> {
    await rm(join(this.dir, file), { force: true });
    this.pendingFiles = Math.max(0, this.pendingFiles - 1);
  }

  /** The server refused the batch as malformed: keep it for a human in rejected/, never resend. */
  async reject(file: string, reason: string): Promise<void> {
    await rename(join(this.dir, file), join(this.rejectedDir, file));
    await writeFile(join(this.rejectedDir, `${file}.reason.txt`), `${new Date().toISOString()} ${reason}\n`);
    this.pendingFiles = Math.max(0, this.pendingFiles - 1);
  }

  async rejectedFiles(): Promise<string[]> {
    return (await readdir(this.rejectedDir)).filter((n) => BATCH_FILE.test(n)).sort();
  }

  /** Seal what is in memory and stop accepting samples. */
  async close(): Promise<void> {
    await this.flush();
    await this.sealChain;
    this.closed = true;
  }

  private buildBatch(samples: Sample[]): IngestBatch {
    const pointKeys = new Set(samples.map((s) => s.point));
    const points = [...pointKeys].map((k) => this.points.get(k)).filter((p): p is PointDecl => p !== undefined);
    const deviceNames = new Set(points.map((p) => p.device));
    const devices = [...deviceNames].map((d) => this.devices.get(d)).filter((d): d is DeviceDecl => d !== undefined);
    return { batchId: randomUUID(), collector: this.collector, devices, points, samples };
  }

  private async writeBatch(batch: IngestBatch): Promise<string> {
    const name = `${String(Date.now()).padStart(13, '0')}-${String(this.sequence++ % 1_000_000).padStart(6, '0')}-${batch.batchId}.json`;
    const finalPath = join(this.dir, name);
    const tmpPath = `${finalPath}${TMP_SUFFIX}`;
    const handle = await open(tmpPath, 'w');
    try {
      await handle.writeFile(JSON.stringify(batch));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, finalPath);
    await fsyncDir(this.dir);
    this.pendingFiles++;
    this.onSealed?.(name);
    return name;
  }
}

/** Make the rename itself durable (POSIX: the directory entry lives in the directory's data). */
async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
