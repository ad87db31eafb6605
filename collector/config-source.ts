/**
 * Where a collector's targets come from when they may change while it runs:
 *
 * - ServerConfigSource: central configuration. The collector registers with its token, then long-polls
 *   `GET /api/v1/collectors/{name}/config?since=<version>`; the server answers as soon as an admin changes
 *   the assignment. While the server is unreachable the last good list keeps being polled, and it is cached
 *   on disk next to the outbox so an edge box restarted during a server outage still polls its devices.
 * - FileConfigSource: a local YAML file, watched; an edit applies after a short debounce, an invalid edit
 *   is logged (file and field named) and the previous list stays in force.
 *
 * Both hand the collector the full target list every time; the collector diffs it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { collectorConfigResponse, targetListSchema, type TargetConfig } from '../server/contracts/collector-config.ts';
import { jsonStderrLogger, type Logger } from './logger.ts';

export type TargetsListener = (targets: TargetConfig[]) => void;

export interface ConfigSource {
  /** What the logs call it, e.g. `server http://…` or `file /etc/kiban/targets.yaml`. */
  readonly description: string;
  /**
   * Resolves with the first target list, then calls `onChange` with every later full list. Rejects only for
   * what waiting cannot fix (a refused token, a name bound to another collector, a broken file at start).
   */
  start(onChange: TargetsListener): Promise<TargetConfig[]>;
  stop(): Promise<void>;
}

export class ConfigSourceError extends Error {
  override name = 'ConfigSourceError';
}

/** `[2].port`-style path of a zod issue, as a person reads it. */
function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(root)';
}

const targetsFileSchema = z.union([targetListSchema, z.object({ targets: targetListSchema })]);

/** Parses a targets file (a YAML list of targets, or `{targets: [...]}`); errors name the file and the field. */
export function parseTargetsFile(file: string, text: string): TargetConfig[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigSourceError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  // zod reports a union failure at the root; check the shape the file evidently meant to have instead.
  const schema = doc && typeof doc === 'object' && !Array.isArray(doc) ? z.object({ targets: targetListSchema }) : targetsFileSchema;
  const result = schema.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0];
    const deepest = issue.code === 'invalid_union' ? issue.errors.flat()[0] ?? issue : issue;
    throw new ConfigSourceError(`${file}: ${issuePath(deepest.path)}: ${deepest.message}`);
  }
  const data = result.data as TargetConfig[] | { targets: TargetConfig[] };
  return Array.isArray(data) ? data : data.targets;
}

export async function targetsFromFile(file: string): Promise<TargetConfig[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigSourceError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTargetsFile(file, text);
}

export interface FileConfigSourceOptions {
  file: string;
  logger?: Logger;
  /** Quiet time after the last change event before the file is read again (editors write in bursts). */
  debounceMs?: number;
}

export class FileConfigSource implements ConfigSource {
  readonly description: string;
  private readonly file: string;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private lastText?: string;
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(opts: FileConfigSourceOptions) {
    this.file = resolve(opts.file);
    this.description = `file ${this.file}`;
    this.logger = opts.logger ?? jsonStderrLogger;
    this.debounceMs = opts.debounceMs ?? 250;
  }

  async start(onChange: TargetsListener): Promise<TargetConfig[]> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ConfigSourceError(`${this.file}: cannot read: ${err.code ?? err.message}`);
    });
    const first = parseTargetsFile(this.file, text);
    this.lastText = text;
    // Watch the directory, not the file: editors and config management replace the file (write a new
    // one, rename it over), which a watch on the old inode would never see.
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.reading = this.reading.then(() => this.reread(onChange)); }, this.debounceMs);
    });
    this.watcher.on('error', (err) => this.logger.error({ file: this.file, err: err.message }, 'cannot watch the targets file; changes need a restart'));
    return first;
  }

  private async reread(onChange: TargetsListener): Promise<void> {
    if (this.stopped) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      // Mid-rename, or deleted: keep what runs. The next write triggers another read.
      this.logger.error({ file: this.file, err: (err as NodeJS.ErrnoException).code ?? (err as Error).message }, 'targets file unreadable; keeping the previous targets');
      return;
    }
    if (text === this.lastText || this.stopped) return;
    let targets: TargetConfig[];
    try {
      targets = parseTargetsFile(this.file, text);
    } catch (err) {
      this.lastText = text;
      this.logger.error({ file: this.file, err: (err as Error).message }, `invalid targets file, keeping the previous targets: ${(err as Error).message}`);
      return;
    }
    this.lastText = text;
    this.logger.info({ file: this.file, targets: targets.length }, 'targets file changed');
    onChange(targets);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.reading;
  }
}

export interface ServerConfigSourceOptions {
  serverUrl: string;
  token: string;
  name: string;
  /** Where the last good configuration is cached (the outbox directory). */
  cacheDir: string;
  logger?: Logger;
  /** Reported at registration. */
  version?: string;
  hostname?: string;
  /** Long-poll hold the collector asks for, seconds (server default 25). */
  waitS?: number;
  /** Retry delays after errors: doubling from `initial` to `max`, with jitter. */
  backoffMs?: { initial: number; max: number };
}

/** Cached next to the outbox; holds device credentials (SNMP communities, v3 keys), hence mode 0600. */
export const CONFIG_CACHE_FILE = 'central-config.json';
const cacheSchema = z.object({ name: z.string(), serverUrl: z.string(), configVersion: z.number().int(), savedAt: z.string(), targets: targetListSchema });

class HttpStatusError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export class ServerConfigSource implements ConfigSource {
  readonly description: string;
  private readonly base: string;
  private readonly logger: Logger;
  private readonly waitS: number;
  private readonly backoff: { initial: number; max: number };
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  /** Version of the list in force; 0 = none from the server yet (cache or nothing). */
  private version = 0;
  private failures = 0;

  constructor(private readonly opts: ServerConfigSourceOptions) {
    this.base = opts.serverUrl.replace(/\/+$/, '');
    this.description = `server ${this.base} as ${opts.name}`;
    this.logger = opts.logger ?? jsonStderrLogger;
    this.waitS = opts.waitS ?? 25;
    this.backoff = opts.backoffMs ?? { initial: 1000, max: 30_000 };
  }

  get cacheFile(): string {
    return join(this.opts.cacheDir, CONFIG_CACHE_FILE);
  }

  /** The configuration version in force (0 before the server has answered). */
  get configVersion(): number {
    return this.version;
  }

  async start(onChange: TargetsListener): Promise<TargetConfig[]> {
    let first: TargetConfig[];
    try {
      const config = await this.register();
      first = config.targets ?? [];
      this.version = config.configVersion;
      await this.saveCache(first);
      this.logger.info({ collector: this.opts.name, server: this.base, configVersion: this.version, targets: first.length }, 'registered; targets from central configuration');
    } catch (err) {
      // The server said no: waiting will not help, and the operator has to see it now.
      if (err instanceof HttpStatusError && (err.status === 401 || err.status === 403 || err.status === 400)) {
        throw new ConfigSourceError(`${this.base} refused registration of collector '${this.opts.name}': ${err.message}`);
      }
      const cached = await this.loadCache();
      first = cached ?? [];
      this.logger.warn({ collector: this.opts.name, server: this.base, err: (err as Error).message, cached: cached ? cached.length : null },
        cached ? 'server unreachable; polling the cached targets until it answers' : 'server unreachable and no cached configuration; no targets until it answers');
      this.failures = 1;
    }
    this.loop = this.run(onChange);
    return first;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(onChange: TargetsListener): Promise<void> {
    const signal = this.abort.signal;
    let registered = this.version > 0;
    while (!signal.aborted) {
      if (this.failures > 0) await sleep(this.retryDelay(), signal);
      if (signal.aborted) return;
      try {
        const config = registered ? await this.fetchConfig() : await this.register();
        registered = true;
        if (this.failures > 0) this.logger.info({ collector: this.opts.name, server: this.base }, 'central configuration reachable again');
        this.failures = 0;
        if (config.changed && config.configVersion !== this.version) {
          const targets = config.targets ?? [];
          this.version = config.configVersion;
          await this.saveCache(targets);
          this.logger.info({ collector: this.opts.name, configVersion: this.version, targets: targets.length }, 'new central configuration');
          onChange(targets);
        }
      } catch (err) {
        if (signal.aborted) return;
        // Unknown to the server (deleted, or a fresh database): register again.
        if (err instanceof HttpStatusError && err.status === 404) registered = false;
        this.failures++;
        const level = err instanceof HttpStatusError && (err.status === 401 || err.status === 403) ? 'error' : 'warn';
        if (this.failures === 1 || this.failures % 10 === 0 || level === 'error') {
          this.logger[level]({ collector: this.opts.name, server: this.base, err: (err as Error).message, failures: this.failures }, 'central configuration unavailable; keeping the current targets');
        }
      }
    }
  }

  private retryDelay(): number {
    const exp = Math.min(this.backoff.max, this.backoff.initial * 2 ** Math.min(this.failures - 1, 20));
    return Math.round(exp * (0.5 + Math.random() * 0.5));
  }

  private async register(): Promise<z.infer<typeof collectorConfigResponse>> {
    return this.request('POST', '/api/v1/collectors/register', 15_000, {
      name: this.opts.name,
      ...(this.opts.version ? { version: this.opts.version } : {}),
      ...(this.opts.hostname ? { hostname: this.opts.hostname } : {}),
    });
  }

  private fetchConfig(): Promise<z.infer<typeof collectorConfigResponse>> {
    const path = `/api/v1/collectors/${encodeURIComponent(this.opts.name)}/config?since=${this.version}&wait=${this.waitS}`;
    return this.request('GET', path, (this.waitS + 15) * 1000);
  }

  private async request(method: string, path: string, timeoutMs: number, body?: unknown): Promise<z.infer<typeof collectorConfigResponse>> {
    const response = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.opts.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try { message += `: ${JSON.parse(text).error.message}`; } catch { /* not our error shape */ }
      throw new HttpStatusError(response.status, message);
    }
    const parsed = collectorConfigResponse.safeParse(JSON.parse(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`server sent an invalid configuration: ${issuePath(issue.path)}: ${issue.message}`);
    }
    return parsed.data as z.infer<typeof collectorConfigResponse>;
  }

  private async saveCache(targets: TargetConfig[]): Promise<void> {
    try {
      await mkdir(this.opts.cacheDir, { recursive: true });
      const tmp = `${this.cacheFile}.${process.pid}.writing`;
      await writeFile(tmp, JSON.stringify({ name: this.opts.name, serverUrl: this.base, configVersion: this.version, savedAt: new Date().toISOString(), targets }, null, 2), { mode: 0o600 });
      await rename(tmp, this.cacheFile);
    } catch (err) {
      this.logger.warn({ file: this.cacheFile, err: (err as Error).message }, 'could not cache the central configuration (a restart during a server outage would start without targets)');
    }
  }

  private async loadCache(): Promise<TargetConfig[] | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.cacheFile, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const cache = cacheSchema.parse(JSON.parse(raw));
      if (cache.name !== this.opts.name) {
        this.logger.warn({ file: this.cacheFile, cachedFor: cache.name, collector: this.opts.name }, 'cached configuration belongs to another collector name; ignored');
        return undefined;
      }
      // Version 0: the cache is what runs, but any version the server has is newer news.
      this.logger.info({ file: this.cacheFile, configVersion: cache.configVersion, savedAt: cache.savedAt }, 'loaded cached central configuration');
      return cache.targets as TargetConfig[];
    } catch (err) {
      this.logger.warn({ file: this.cacheFile, err: (err as Error).message }, 'cached configuration unreadable; ignored');
      return undefined;
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => {});
}

/** `source`'s targets plus a fixed list (e.g. `--config FILE` together with `--sim URL`). */
export function withStaticTargets(source: ConfigSource, extra: TargetConfig[]): ConfigSource {
  if (extra.length === 0) return source;
  return {
    description: `${source.description} + ${extra.length} fixed target(s)`,
    start: async (onChange) => [...await source.start((targets) => onChange([...targets, ...extra])), ...extra],
    stop: () => source.stop(),
  };
}
