/**
 * Durable outbox: samples wait on local disk until the server has committed them.
 *
 * Samples collect in memory for at most `flushIntervalMs` (or `maxBatchSamples`), then are sealed into
 * one IngestBatch JSON file, written as tmp + fsync + rename + directory fsync, so a crash leaves either
 * the whole batch or nothing. File names sort oldest-first. A batch file is deleted only by `ack()`
 * (after a 2xx from the server) or moved to `rejected/` by `reject()`, or dropped by the disk cap below.
 *
 * Disk cap. Sealed batches may take at most `maxBytes` (default 1 GiB, about a day of a 2,000-point site
 * at 1 s) so a long server outage cannot fill the edge machine's disk. What happens when a new batch would
 * not fit is an explicit policy, and every sample it costs is counted, logged and reported in `stats()`:
 *
 * - `drop-oldest` (default): delete the oldest sealed batches until the new one fits, like a flight
 *   recorder. The reasoning: after a long outage the recent past is what operators act on (alarms,
 *   current load, the lead-up to the outage's end), while the oldest readings are the ones monthly reports
 *   can best do without (they record data coverage). A batch the uplink is sending right now is not
 *   dropped. A single batch larger than the whole cap is still written (the cap is exceeded by that one
 *   batch) rather than losing the newest data.
 * - `reject-new`: keep what is on disk and refuse the new batch; its samples are counted as rejected.
 *   For sites where the start of an outage matters most (e.g. forensic evidence of what failed first).
 *
 * A full disk (ENOSPC) applies the same policy; samples that still cannot be sealed wait in memory, at
 * most `MAX_MEMORY_BATCHES` batches' worth, beyond which the same policy picks which samples go.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { INGEST_LIMITS, type DeviceDecl, type IngestBatch, type IngestEvent, type PointDecl, type Sample } from '../server/contracts/ingest.ts';
import { silentLogger, type Logger } from './logger.ts';

export interface OutboxOptions {
  dir: string;
  collector: string;
  flushIntervalMs?: number;
  maxBatchSamples?: number;
  logger?: Logger;
  /** Called after a batch file is sealed (the uplink uses it to wake up). */
  onSealed?: (file: string) => void;
  /** Most bytes sealed batches may take on disk (default DEFAULT_OUTBOX_MAX_BYTES = 1 GiB). */
  maxBytes?: number;
  /** What to give up when the cap is hit (default 'drop-oldest'; see the file header). */
  whenFull?: OutboxFullPolicy;
}

export const OUTBOX_FULL_POLICIES = ['drop-oldest', 'reject-new'] as const;
export type OutboxFullPolicy = (typeof OUTBOX_FULL_POLICIES)[number];
export const DEFAULT_OUTBOX_MAX_BYTES = 1024 ** 3;
/** Samples that cannot be sealed (disk full) wait in memory for at most this many batches' worth. */
const MAX_MEMORY_BATCHES = 20;
/** At most one "outbox full" log line per this long (with running totals), however many batches go. */
const FULL_LOG_EVERY_MS = 60_000;

export interface OutboxStats {
  pendingBatches: number;
  pendingBytes: number;
  bufferedSamples: number;
  maxBytes: number;
  whenFull: OutboxFullPolicy;
  /** drop-oldest: sealed batches deleted unsent to make room, and the samples in them. */
  droppedBatches: number;
  droppedSamples: number;
  /** reject-new: batches never written because the outbox was full, and their samples. */
  rejectedNewBatches: number;
  rejectedNewSamples: number;
  /** When the oldest batch still waiting was sealed (ms since epoch; from its file name), if any. */
  oldestPendingAt?: number;
}

interface PendingFile {
  bytes: number;
  /** Known for batches sealed by this process; read from the file when needed otherwise. */
  samples?: number;
}

export const BATCH_FILE = /^\d{13}-\d{6}-[0-9a-f-]{36}\.json$/;
const TMP_SUFFIX = '.tmp';
/** `<13-digit ms>-<6-digit sequence>-`: the part of a batch file name that fixes its place in the order. */
const MERGE_PREFIX_LENGTH = 21;
const MERGE_JOURNAL = 'merge-journal.json';
const ATTEMPTED_FILE = 'attempted.json';

/** Bounds of one merged backfill request (the server's INGEST_LIMITS, or lower). */
export interface MergeLimits {
  maxSamples: number;
  maxPoints: number;
  maxDevices: number;
  /** Sum of the merged files' sizes. */
  maxBytes: number;
}

/** Sealing time (ms since epoch) encoded in a batch file name. */
export function sealedAt(file: string): number {
  return Number(file.slice(0, 13));
}

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
  /** Events (traps, informs) not yet sealed; appendEvents seals them at once. */
  private events: IngestEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private sealChain: Promise<unknown> = Promise.resolve();
  private sequence = 0;
  private closed = false;
  private readonly maxBytes: number;
  private readonly whenFull: OutboxFullPolicy;
  /** Sealed batch files on disk, by name (names sort oldest-first). */
  private readonly files = new Map<string, PendingFile>();
  private pendingBytes = 0;
  /** Files the uplink is sending right now: never dropped under its feet. */
  private readonly sending = new Set<string>();
  /** Files that were sent at least once and may be committed on the server (persisted in ATTEMPTED_FILE). */
  private readonly attempted = new Set<string>();
  /** Files whose current send is their first attempt ever. */
  private readonly firstAttempt = new Set<string>();
  private attemptedChain: Promise<void> = Promise.resolve();
  /** Files being merged right now (never dropped by the cap meanwhile). */
  private readonly merging = new Set<string>();
  private readonly loss = { droppedBatches: 0, droppedSamples: 0, rejectedNewBatches: 0, rejectedNewSamples: 0 };
  private lastFullLogAt = 0;

  private constructor(opts: OutboxOptions) {
    this.dir = opts.dir;
    this.rejectedDir = join(opts.dir, 'rejected');
    this.collector = opts.collector;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
    this.maxBatchSamples = opts.maxBatchSamples ?? 5000;
    this.logger = opts.logger ?? silentLogger;
    this.onSealed = opts.onSealed;
    this.maxBytes = opts.maxBytes ?? DEFAULT_OUTBOX_MAX_BYTES;
    if (!(this.maxBytes > 0)) throw new RangeError(`outbox maxBytes must be positive, got ${opts.maxBytes}`);
    this.whenFull = opts.whenFull ?? 'drop-oldest';
    if (!OUTBOX_FULL_POLICIES.includes(this.whenFull)) throw new RangeError(`outbox whenFull must be one of ${OUTBOX_FULL_POLICIES.join(', ')}, got '${String(opts.whenFull)}'`);
  }

  /** Open (or re-open after a crash) the outbox in `dir`; half-written tmp files are removed. */
  static async open(opts: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(opts);
    await mkdir(outbox.rejectedDir, { recursive: true });
    const names = await readdir(outbox.dir);
    const leftovers = names.filter((n) => n.endsWith(TMP_SUFFIX));
    await Promise.all(leftovers.map((n) => rm(join(outbox.dir, n), { force: true })));
    if (leftovers.length > 0) outbox.logger.warn({ outbox: outbox.dir, removed: leftovers.length }, 'removed unfinished batch files from a previous run');
    await outbox.recoverMerge();
    await outbox.sync(await readdir(outbox.dir));
    await outbox.loadAttempted();
    if (outbox.files.size > 0) outbox.logger.info({ outbox: outbox.dir, pending: outbox.files.size, bytes: outbox.pendingBytes }, 'outbox has batches from a previous run');
    return outbox;
  }

  /** Number of sealed batch files waiting for the server. */
  get pendingCount(): number {
    return this.files.size;
  }

  /** Size, cap and every sample the cap has cost so far (for logs and self-monitoring). */
  stats(): OutboxStats {
    let oldest: string | undefined;
    for (const name of this.files.keys()) if (oldest === undefined || name < oldest) oldest = name;
    return {
      pendingBatches: this.files.size, pendingBytes: this.pendingBytes, bufferedSamples: this.buffer.length,
      maxBytes: this.maxBytes, whenFull: this.whenFull, ...this.loss,
      ...(oldest !== undefined ? { oldestPendingAt: Number(oldest.slice(0, 13)) } : {}),
    };
  }

  /**
   * The uplink is about to send `file`. From now on the server may have committed it even if no answer
   * comes back (timeout, crash), so the file is recorded durably as attempted: it is never merged into
   * another batch (a merged batch has a new batchId, so a replay of its content would not be recognised
   * as one), only resent as it is. A file being sent is also never dropped by the disk cap.
   */
  async beginSend(file: string): Promise<void> {
    this.sending.add(file);
    if (this.attempted.has(file)) return;
    this.attempted.add(file);
    this.firstAttempt.add(file);
    await this.saveAttempted();
  }

  /**
   * The send of `file` ended; `reachedServer: false` (connection refused) means THIS attempt surely was not
   * committed. An earlier attempt that reached a server (and timed out, or lost its answer when the server
   * went down) may still have been committed, so only a file's first attempt can be taken back.
   */
  endSend(file: string, reachedServer: boolean): void {
    this.sending.delete(file);
    // Not persisted: should we crash first, the file merely stays "attempted", which is the safe side.
    if (!reachedServer && this.firstAttempt.has(file)) this.attempted.delete(file);
    this.firstAttempt.delete(file);
  }

  /** Whether `file` may be merged with others: never sent (so the server cannot have it), not being sent. */
  mergeable(file: string): boolean {
    return !this.attempted.has(file) && !this.sending.has(file) && this.files.has(file);
  }

  /**
   * Backfill: merge the oldest run of mergeable batches in `files` (oldest first, from the start, contiguous)
   * into one batch within `limits`, so a backlog is caught up in few large requests. The merged file takes
   * the oldest one's place in the order (same time/sequence prefix, new batchId). Crash-safe: a journal
   * written first says which files the merged one replaces; `open()` finishes or undoes an interrupted
   * merge, so no sample is ever in two pending files. Resolves with the merged file, or undefined when
   * fewer than two files could be merged.
   */
  async mergeOldest(files: string[], limits: MergeLimits): Promise<{ file: string; mergedFrom: string[]; samples: number } | undefined> {
    const run: string[] = [];
    const batches: IngestBatch[] = [];
    let samples = 0;
    let events = 0;
    let bytes = 0;
    const devices = new Map<string, DeviceDecl>();
    const points = new Map<string, PointDecl>();
    try {
      for (const file of files) {
        if (!this.mergeable(file)) break;
        this.merging.add(file); // the disk cap must not drop what is being merged
        let batch: IngestBatch;
        try {
          batch = await this.read(file);
        } catch {
          break; // unreadable: left for the uplink, which moves it to rejected/
        }
        const fileBytes = this.files.get(file)?.bytes ?? 0;
        const newPoints = (batch.points ?? []).filter((pt) => !points.has(pt.key)).length;
        const newDevices = (batch.devices ?? []).filter((d) => !devices.has(d.name)).length;
        if (run.length > 0 && (samples + batch.samples.length > limits.maxSamples || bytes + fileBytes > limits.maxBytes
          || points.size + newPoints > limits.maxPoints || devices.size + newDevices > limits.maxDevices
          || events + (batch.events?.length ?? 0) > INGEST_LIMITS.maxEvents)) break;
        run.push(file);
        batches.push(batch);
        samples += batch.samples.length;
        events += batch.events?.length ?? 0;
        bytes += fileBytes;
        for (const d of batch.devices ?? []) devices.set(d.name, d);
        for (const pt of batch.points ?? []) points.set(pt.key, pt);
      }
      if (run.length < 2) return undefined;
      const merged: IngestBatch = {
        batchId: randomUUID(), collector: batches[0].collector, devices: [...devices.values()], points: [...points.values()],
        samples: batches.flatMap((b) => b.samples),
        // Events keep their eventIds, so a merged batch replays them harmlessly.
        ...(events > 0 ? { events: batches.flatMap((b) => b.events ?? []) } : {}),
      };
      const name = `${run[0].slice(0, MERGE_PREFIX_LENGTH)}${merged.batchId}.json`;
      const json = JSON.stringify(merged);
      // 1. journal  2. merged file  3. remove the originals  4. remove the journal.
      await writeDurably(join(this.dir, MERGE_JOURNAL), JSON.stringify({ merged: name, from: run }));
      await writeDurably(join(this.dir, name), json);
      await fsyncDir(this.dir);
      for (const file of run) {
        await rm(join(this.dir, file), { force: true });
        this.forget(file);
      }
      this.files.set(name, { bytes: Buffer.byteLength(json), samples });
      this.pendingBytes += Buffer.byteLength(json);
      await fsyncDir(this.dir);
      await rm(join(this.dir, MERGE_JOURNAL), { force: true });
      return { file: name, mergedFrom: run, samples };
    } finally {
      this.merging.clear();
    }
  }

  /** Finish (merged file complete) or undo (it is not) a merge interrupted by a crash. */
  private async recoverMerge(): Promise<void> {
    let journal: { merged: string; from: string[] };
    try {
      journal = JSON.parse(await readFile(join(this.dir, MERGE_JOURNAL), 'utf8'));
    } catch {
      await rm(join(this.dir, MERGE_JOURNAL), { force: true });
      return;
    }
    const mergedComplete = await stat(join(this.dir, journal.merged)).then(() => true, () => false);
    if (mergedComplete) {
      for (const file of journal.from) await rm(join(this.dir, file), { force: true });
      await fsyncDir(this.dir);
      this.logger.warn({ outbox: this.dir, merged: journal.merged, removed: journal.from.length }, 'finished a batch merge interrupted by a crash');
    }
    await rm(join(this.dir, MERGE_JOURNAL), { force: true });
  }

  private async loadAttempted(): Promise<void> {
    try {
      const names = JSON.parse(await readFile(join(this.dir, ATTEMPTED_FILE), 'utf8')) as string[];
      for (const n of names) if (this.files.has(n)) this.attempted.add(n);
    } catch { /* none yet */ }
  }

  private saveAttempted(): Promise<void> {
    const names = [...this.attempted].filter((n) => this.files.has(n));
    // Serialised: concurrent writers of one file would interleave.
    this.attemptedChain = this.attemptedChain.then(() => writeDurably(join(this.dir, ATTEMPTED_FILE), JSON.stringify(names), true));
    return this.attemptedChain;
  }

  /** Bring the in-memory index in line with the directory listing (files from a previous run, external removal). */
  private async sync(names: string[]): Promise<void> {
    const onDisk = new Set(names.filter((n) => BATCH_FILE.test(n)));
    for (const [name, f] of this.files) {
      if (!onDisk.has(name)) this.forget(name, f);
    }
    for (const name of onDisk) {
      if (this.files.has(name)) continue;
      try {
        const { size } = await stat(join(this.dir, name));
        if (this.files.has(name)) continue;
        this.files.set(name, { bytes: size });
        this.pendingBytes += size;
      } catch { /* removed meanwhile */ }
    }
  }

  private forget(name: string, f = this.files.get(name)): void {
    this.attempted.delete(name);
    if (!f) return;
    this.files.delete(name);
    this.pendingBytes -= f.bytes;
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

  /**
   * Queue events (SNMP traps, informs) with their devices' declarations, and the samples they imply, and
   * seal them at once: an event goes to disk and to the server now, not at the next flush tick.
   */
  appendEvents(devices: DeviceDecl[], events: IngestEvent[], points: PointDecl[] = [], samples: Sample[] = []): Promise<string | undefined> {
    if (this.closed) throw new Error('outbox is closed');
    for (const d of devices) this.devices.set(d.name, d);
    for (const p of points) this.points.set(p.key, p);
    this.events.push(...events);
    this.buffer.push(...samples);
    return this.flush();
  }

  /** Seal everything in memory into a batch file now. Resolves with the file name, if any. */
  flush(): Promise<string | undefined> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.buffer.length === 0 && this.events.length === 0) return this.sealChain.then(() => undefined);
    const samples = this.buffer;
    this.buffer = [];
    // At most the server's per-batch limit of events; the rest go in the next batch, sealed right after.
    const events = this.events.splice(0, INGEST_LIMITS.maxEvents);
    const batch = this.buildBatch(samples, events);
    const sealing = this.sealChain.then(() => this.writeBatch(batch));
    this.sealChain = sealing.catch((err) => {
      // Disk full or similar: keep the samples in memory and try again on the next flush.
      this.buffer = samples.concat(this.buffer);
      this.events = events.concat(this.events).slice(-10 * INGEST_LIMITS.maxEvents);
      this.capMemory();
      if (!this.flushTimer && !this.closed) this.flushTimer = setTimeout(() => { void this.flush(); }, this.flushIntervalMs);
      this.logger.error({ outbox: this.dir, err: (err as Error).message, samples: samples.length, events: events.length }, 'could not seal batch to disk; will retry');
    });
    if (this.events.length > 0) void this.flush();
    return sealing.catch(() => undefined);
  }

  /** Sealed batch files, oldest first. */
  async pending(): Promise<string[]> {
    const names = await readdir(this.dir);
    await this.sync(names);
    return names.filter((n) => BATCH_FILE.test(n)).sort();
  }

  async read(file: string): Promise<IngestBatch> {
    return JSON.parse(await this.readRaw(file)) as IngestBatch;
  }

  /** The batch file's JSON text as sealed (the uplink sends it as is: no parse and re-serialise). */
  async readRaw(file: string): Promise<string> {
    return readFile(join(this.dir, file), 'utf8');
  }

  /** Samples in a pending batch when this process knows them (it sealed or merged the file). */
  samplesIn(file: string): number | undefined {
    return this.files.get(file)?.samples;
  }

  /** The server committed the batch: remove it. */
  async ack(file: string): Promise<void> {
    await rm(join(this.dir, file), { force: true });
    this.forget(file);
  }

  /** The server refused the batch as malformed: keep it for a human in rejected/, never resend. */
  async reject(file: string, reason: string): Promise<void> {
    await rename(join(this.dir, file), join(this.rejectedDir, file));
    await writeFile(join(this.rejectedDir, `${file}.reason.txt`), `${new Date().toISOString()} ${reason}\n`);
    this.forget(file);
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

  private buildBatch(samples: Sample[], events: IngestEvent[] = []): IngestBatch {
    const pointKeys = new Set(samples.map((s) => s.point));
    const points = [...pointKeys].map((k) => this.points.get(k)).filter((p): p is PointDecl => p !== undefined);
    const deviceNames = new Set([...points.map((p) => p.device), ...events.map((e) => e.device)]);
    const devices = [...deviceNames].map((d) => this.devices.get(d)).filter((d): d is DeviceDecl => d !== undefined);
    return { batchId: randomUUID(), collector: this.collector, devices, points, samples, ...(events.length ? { events } : {}) };
  }

  private async writeBatch(batch: IngestBatch): Promise<string | undefined> {
    const json = JSON.stringify(batch);
    const bytes = Buffer.byteLength(json);
    if (this.pendingBytes + bytes > this.maxBytes && !(await this.makeRoom(bytes, batch.samples.length))) return undefined;
    const name = `${String(Date.now()).padStart(13, '0')}-${String(this.sequence++ % 1_000_000).padStart(6, '0')}-${batch.batchId}.json`;
    const finalPath = join(this.dir, name);
    const tmpPath = `${finalPath}${TMP_SUFFIX}`;
    try {
      await writeDurably(finalPath, json, true);
    } catch (err) {
      await rm(tmpPath, { force: true }).catch(() => {});
      // Disk full below our own cap: the disk is the cap now. drop-oldest frees the oldest batch so the
      // retry can succeed; reject-new leaves the samples in memory (capped) until space comes back.
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC' && this.whenFull === 'drop-oldest') await this.dropOldest(1, 'disk full');
      throw err;
    }
    this.files.set(name, { bytes, samples: batch.samples.length });
    this.pendingBytes += bytes;
    this.onSealed?.(name);
    return name;
  }

  /** The cap would be exceeded by a new batch of `bytes`: apply the policy. Returns whether to write it. */
  private async makeRoom(bytes: number, samples: number): Promise<boolean> {
    if (this.whenFull === 'reject-new') {
      this.loss.rejectedNewBatches++;
      this.loss.rejectedNewSamples += samples;
      this.logFull('outbox full: new samples rejected (policy reject-new keeps the oldest data)', { samples });
      return false;
    }
    await this.dropOldest(this.pendingBytes + bytes - this.maxBytes, 'over maxBytes');
    return true;
  }

  /** Delete the oldest batches not being sent until at least `bytesToFree` bytes are free; counts every sample. */
  private async dropOldest(bytesToFree: number, why: string): Promise<void> {
    let freed = 0;
    let batches = 0;
    let samples = 0;
    for (const name of [...this.files.keys()].sort()) {
      if (freed >= bytesToFree) break;
      if (this.sending.has(name) || this.merging.has(name)) continue;
      const f = this.files.get(name);
      if (!f) continue;
      const count = f.samples ?? (await this.countSamples(name));
      await rm(join(this.dir, name), { force: true });
      if (!this.files.has(name)) continue; // acked meanwhile: it reached the server, nothing lost
      this.forget(name, f);
      freed += f.bytes;
      batches++;
      samples += count;
    }
    this.loss.droppedBatches += batches;
    this.loss.droppedSamples += samples;
    if (batches > 0) this.logFull(`outbox full (${why}): oldest batches dropped unsent (policy drop-oldest keeps the newest data)`, { batches, samples });
  }

  private async countSamples(name: string): Promise<number> {
    try {
      return (JSON.parse(await readFile(join(this.dir, name), 'utf8')) as IngestBatch).samples.length;
    } catch {
      return 0; // unreadable: the uplink would have rejected it anyway
    }
  }

  /** Samples waiting in memory because sealing fails: keep at most MAX_MEMORY_BATCHES batches' worth. */
  private capMemory(): void {
    const max = this.maxBatchSamples * MAX_MEMORY_BATCHES;
    const excess = this.buffer.length - max;
    if (excess <= 0) return;
    if (this.whenFull === 'drop-oldest') {
      this.buffer.splice(0, excess);
      this.loss.droppedSamples += excess;
      this.logFull('outbox cannot seal to disk and memory is full: oldest unsealed samples dropped', { samples: excess });
    } else {
      this.buffer.splice(max, excess);
      this.loss.rejectedNewSamples += excess;
      this.logFull('outbox cannot seal to disk and memory is full: newest unsealed samples rejected', { samples: excess });
    }
  }

  /** Every loss is counted; the log says so at once the first time, then at most once a minute with totals. */
  private logFull(msg: string, now: { batches?: number; samples: number }): void {
    const t = Date.now();
    if (t - this.lastFullLogAt < FULL_LOG_EVERY_MS && this.lastFullLogAt !== 0) return;
    this.lastFullLogAt = t;
    this.logger.error({ outbox: this.dir, maxBytes: this.maxBytes, pendingBytes: this.pendingBytes, policy: this.whenFull, lostNow: now, lostTotal: { ...this.loss } }, msg);
  }
}

/** tmp + fsync + rename: the file at `path` is either the old or the whole new content after a crash. */
async function writeDurably(path: string, content: string, syncDir = false): Promise<void> {
  const tmp = `${path}${TMP_SUFFIX}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  if (syncDir) await fsyncDir(dirname(path));
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
