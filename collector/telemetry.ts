/**
 * Self-monitoring: the collector measures itself and reports it two ways.
 *
 * - As Kiban samples, through the same outbox as device data, so the server keeps the collector's health
 *   next to the readings it explains: per target `<device>/collector.poll.latency` (s, the last poll) and
 *   `<device>/collector.poll.errors` (counter), and on the collector's own device (`<collector name>`,
 *   kind `collector`) polls, samples, outbox depth, age and size, dropped samples and uplink counts.
 * - On a local Prometheus `/metrics` (startMetricsServer), for the site's own monitoring and for the moment
 *   the link to the server is down — exactly when you want to look at the outbox.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceDecl, PointDecl, Sample } from '../server/contracts/ingest.ts';

export type PollOutcome = 'ok' | 'partial' | 'comm_loss' | 'skipped';

/** What the outbox and uplink report (all optional: older parts may not know every figure). */
export interface OutboxFigures {
  pendingBatches: number;
  /** Age of the oldest sealed batch waiting for the server, ms (0 when empty). */
  oldestAgeMs?: number;
  bytes?: number;
  droppedSamples?: number;
  droppedBatches?: number;
  batchesSent?: number;
  batchesRejected?: number;
}

const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Upper bounds of the poll-duration histogram, seconds. */
export const LATENCY_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

interface TargetStats {
  device: string;
  protocol: string;
  polls: Record<PollOutcome, number>;
  errors: number;
  lastLatencyS: number | undefined;
  latencySumS: number;
  latencyCount: number;
  buckets: number[];
  /** Outcome of the last real poll (for the comm_loss gauge). */
  lastOutcome?: PollOutcome;
}

export interface TelemetryOptions {
  collector: string;
  version?: string;
  outbox?: () => OutboxFigures;
  now?: () => number;
}

export class CollectorTelemetry {
  readonly startedAt: number;
  private readonly targets = new Map<string, TargetStats>();
  private readonly now: () => number;
  private samplesTotal = 0;
  private trapsTotal = 0;

  constructor(private readonly opts: TelemetryOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** One poll of one target finished (or was skipped while the target is backed off). */
  recordPoll(device: string, protocol: string, outcome: PollOutcome, latencyMs?: number): void {
    const t = this.target(device, protocol);
    t.polls[outcome]++;
    if (outcome !== 'skipped') t.lastOutcome = outcome;
    if (outcome === 'comm_loss') t.errors++;
    if (latencyMs !== undefined && outcome !== 'skipped') {
      const s = latencyMs / 1000;
      t.lastLatencyS = s;
      t.latencySumS += s;
      t.latencyCount++;
      const i = LATENCY_BUCKETS_S.findIndex((b) => s <= b);
      t.buckets[i === -1 ? LATENCY_BUCKETS_S.length : i]++;
    }
  }

  recordSamples(n: number): void {
    this.samplesTotal += n;
  }

  /** For a caller that counts samples itself. */
  setSamplesTotal(n: number): void {
    this.samplesTotal = n;
  }

  recordTrap(): void {
    this.trapsTotal++;
  }

  /** A target is gone from the configuration: stop reporting it. */
  forget(device: string): void {
    this.targets.delete(device);
  }

  private target(device: string, protocol: string): TargetStats {
    let t = this.targets.get(device);
    if (!t) {
      t = { device, protocol, polls: { ok: 0, partial: 0, comm_loss: 0, skipped: 0 }, errors: 0, lastLatencyS: undefined, latencySumS: 0, latencyCount: 0, buckets: new Array(LATENCY_BUCKETS_S.length + 1).fill(0) };
      this.targets.set(device, t);
    }
    return t;
  }

  /** The collector as a device of its own. */
  deviceDecl(): DeviceDecl {
    return { name: this.opts.collector, kind: 'collector', protocol: 'internal', vendor: 'Kiban', model: `collector ${this.opts.version ?? ''}`.trim() };
  }

  /** Point declarations and one sample each for the collector and every target polled so far. */
  snapshot(ts = new Date(this.now()).toISOString()): { devices: DeviceDecl[]; points: PointDecl[]; samples: Sample[] } {
    const c = this.opts.collector;
    const points: PointDecl[] = [];
    const samples: Sample[] = [];
    const add = (device: string, metric: string, unit: string, kind: 'gauge' | 'counter', description: string, value: number | undefined) => {
      points.push({ key: `${device}/${metric}`, device, metric, unit, kind, description });
      samples.push(value === undefined || !Number.isFinite(value)
        ? { point: `${device}/${metric}`, ts, value: null, quality: 'stale' }
        : { point: `${device}/${metric}`, ts, value, quality: 'ok' });
    };
    const ob = this.opts.outbox?.();
    let polls = 0;
    for (const t of this.targets.values()) polls += t.polls.ok + t.polls.partial + t.polls.comm_loss;
    add(c, 'collector.polls', '', 'counter', 'polls made (all targets)', polls);
    add(c, 'collector.samples', '', 'counter', 'samples produced (all targets)', this.samplesTotal);
    add(c, 'collector.traps', '', 'counter', 'SNMP traps and informs received', this.trapsTotal);
    add(c, 'collector.targets', '', 'gauge', 'targets configured and polled', this.targets.size);
    add(c, 'collector.targets.comm_loss', '', 'gauge', 'targets whose last poll got no answer', [...this.targets.values()].filter((t) => t.lastOutcome === 'comm_loss').length);
    add(c, 'collector.uptime', 's', 'gauge', 'seconds since the collector started', (this.now() - this.startedAt) / 1000);
    if (ob) {
      add(c, 'outbox.depth', '', 'gauge', 'sealed batches waiting for the server', ob.pendingBatches);
      add(c, 'outbox.age', 's', 'gauge', 'age of the oldest batch waiting for the server', (ob.oldestAgeMs ?? 0) / 1000);
      if (ob.bytes !== undefined) add(c, 'outbox.size', 'By', 'gauge', 'bytes of batches on disk', ob.bytes);
      if (ob.droppedSamples !== undefined) add(c, 'outbox.dropped.samples', '', 'counter', 'samples dropped by the outbox disk cap policy', ob.droppedSamples);
      if (ob.batchesSent !== undefined) add(c, 'uplink.sent.batches', '', 'counter', 'batches acknowledged by the server', ob.batchesSent);
      if (ob.batchesRejected !== undefined) add(c, 'uplink.rejected.batches', '', 'counter', 'batches the server refused as malformed (kept in rejected/)', ob.batchesRejected);
    }
    for (const t of this.targets.values()) {
      // Configured device names are validated; anything else (a hand-built target) is only on /metrics.
      if (!DEVICE_NAME.test(t.device)) continue;
      add(t.device, 'collector.poll.latency', 's', 'gauge', 'duration of the last poll by the collector', t.lastLatencyS);
      add(t.device, 'collector.poll.errors', '', 'counter', 'polls without an answer (comm_loss)', t.errors);
    }
    return { devices: [this.deviceDecl()], points, samples };
  }

  /** Prometheus text exposition (version 0.0.4). */
  renderPrometheus(): string {
    const lines: string[] = [];
    const c = label(this.opts.collector);
    const help = (name: string, type: string, text: string) => lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
    /** One unlabelled series with its HELP and TYPE; nothing when the value is unknown. */
    const metric = (name: string, type: string, text: string, value: number | undefined) => {
      if (value === undefined) return;
      help(name, type, text);
      lines.push(`${name} ${value}`);
    };
    help('kiban_collector_info', 'gauge', 'Collector name and version.');
    lines.push(`kiban_collector_info{collector="${c}",version="${label(this.opts.version ?? '')}"} 1`);
    metric('kiban_collector_uptime_seconds', 'gauge', 'Seconds since the collector started.', (this.now() - this.startedAt) / 1000);
    metric('kiban_collector_samples_total', 'counter', 'Samples produced.', this.samplesTotal);
    metric('kiban_collector_traps_total', 'counter', 'SNMP traps and informs received.', this.trapsTotal);
    help('kiban_collector_polls_total', 'counter', 'Polls per target and result (skipped = backed off, comm_loss recorded without a request).');
    for (const t of this.targets.values()) {
      for (const [result, n] of Object.entries(t.polls)) lines.push(`kiban_collector_polls_total{device="${label(t.device)}",protocol="${t.protocol}",result="${result}"} ${n}`);
    }
    help('kiban_collector_poll_errors_total', 'counter', 'Polls without an answer per target.');
    for (const t of this.targets.values()) lines.push(`kiban_collector_poll_errors_total{device="${label(t.device)}"} ${t.errors}`);
    help('kiban_collector_poll_duration_seconds', 'histogram', 'Poll duration per target.');
    for (const t of this.targets.values()) {
      const d = label(t.device);
      let cumulative = 0;
      LATENCY_BUCKETS_S.forEach((b, i) => {
        cumulative += t.buckets[i];
        lines.push(`kiban_collector_poll_duration_seconds_bucket{device="${d}",le="${b}"} ${cumulative}`);
      });
      cumulative += t.buckets[LATENCY_BUCKETS_S.length];
      lines.push(`kiban_collector_poll_duration_seconds_bucket{device="${d}",le="+Inf"} ${cumulative}`);
      lines.push(`kiban_collector_poll_duration_seconds_sum{device="${d}"} ${round(t.latencySumS)}`);
      lines.push(`kiban_collector_poll_duration_seconds_count{device="${d}"} ${t.latencyCount}`);
    }
    const ob = this.opts.outbox?.();
    if (ob) {
      metric('kiban_collector_outbox_batches', 'gauge', 'Sealed batches waiting for the server.', ob.pendingBatches);
      metric('kiban_collector_outbox_oldest_age_seconds', 'gauge', 'Age of the oldest batch waiting for the server.', (ob.oldestAgeMs ?? 0) / 1000);
      metric('kiban_collector_outbox_bytes', 'gauge', 'Bytes of batches on disk.', ob.bytes);
      metric('kiban_collector_outbox_dropped_samples_total', 'counter', 'Samples dropped by the outbox disk cap policy.', ob.droppedSamples);
      metric('kiban_collector_outbox_dropped_batches_total', 'counter', 'Batches dropped by the outbox disk cap policy.', ob.droppedBatches);
      metric('kiban_collector_uplink_batches_sent_total', 'counter', 'Batches acknowledged by the server.', ob.batchesSent);
      metric('kiban_collector_uplink_batches_rejected_total', 'counter', 'Batches the server refused as malformed.', ob.batchesRejected);
    }
    return `${lines.join('\n')}\n`;
  }
}

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serve `GET /metrics` (and `GET /healthz`) on host:port. Binds to loopback unless told otherwise: the
 * figures name devices and addresses of the site, so exposing them is a deliberate choice.
 */
export async function startMetricsServer(telemetry: CollectorTelemetry, opts: { port: number; host?: string }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : telemetry.renderPrometheus());
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    }
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
