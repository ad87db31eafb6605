/** Counters, gauges and histograms exposed at GET /metrics in the Prometheus text format (version 0.0.4). */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { PoolStats } from '../../db/client.ts';
import type { LiveSample } from '../live/bus.ts';
import type { RelayStats } from '../live/pg-relay.ts';

/** Seconds; request durations and delays. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; how old a sample is when it is committed (collector poll → database). */
export const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

/** A Prometheus histogram with optional labels (one series per label set). */
export class Histogram {
  private readonly series = new Map<string, { labels: Record<string, string>; counts: number[]; sum: number; count: number }>();
  /** `unlabeled`: the metric has no labels, so its one series is exposed (at zero) before any observation. */
  constructor(readonly name: string, readonly help: string, readonly buckets: number[], unlabeled = false) {
    if (unlabeled) this.series.set('{}', { labels: {}, counts: new Array(buckets.length).fill(0), sum: 0, count: 0 });
  }

  observe(value: number, labels: Record<string, string> = {}): void {
    const key = JSON.stringify(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** Event-loop delay of this process: one monitor for the process, reset at each scrape (as prom-client does). */
let loopMonitor: IntervalHistogram | undefined;
function eventLoopMonitor(): IntervalHistogram {
  if (!loopMonitor) {
    loopMonitor = monitorEventLoopDelay({ resolution: 10 });
    loopMonitor.enable();
  }
  return loopMonitor;
}

/** Rollup job state for the rollup-lag gauge (server/jobs/rollups.ts provides it). */
export interface RollupLag {
  /** Seconds since the oldest bucket still waiting to be re-aggregated was marked dirty; 0 = none waiting. */
  oldestDirtyAgeSeconds: number;
  dirtyBuckets?: number;
  /** Buckets waiting per resolution, e.g. {"1m": 12, "1h": 1}. */
  dirtyByResolution?: Record<string, number>;
  /** Failed job ticks since start. */
  errors?: number;
  /** Ticks that did one small step to give way to ingest (one-connection databases). */
  yieldedTicks?: number;
}

export interface RenderExtra {
  liveSubscribers: number; dbKind: string; version: string;
  poolStats?: () => Promise<PoolStats>;
  relay?: RelayStats;
  /** The ingest gate's state: batches refused with 503, writing, waiting for a write slot. */
  ingestGate?: { refused: number; active: number; waiting: number };
}

export class ServerMetrics {
  ingestBatches = 0;
  ingestDuplicateBatches = 0;
  ingestSamples = 0;
  ingestRejectedBatches = 0;
  httpRequests = new Map<string, number>();
  readonly startedAt = Date.now();
  readonly httpDuration = new Histogram('kiban_http_request_duration_seconds',
    'HTTP request duration until the response starts, by method and route (streams: until the stream opens).', DURATION_BUCKETS);
  readonly ingestLag = new Histogram('kiban_ingest_sample_age_seconds',
    'Age of the newest sample of each committed batch at commit time (collector clock → commit on this replica).', LAG_BUCKETS, true);
  readonly relayDelay = new Histogram('kiban_live_relay_delay_seconds',
    'NOTIFY → delivery delay of live messages from other replicas (sender and receiver clocks).', DURATION_BUCKETS, true);
  /** Newest sample timestamp committed through this replica (ms), for kiban_ingest_newest_sample_age_seconds. */
  newestCommittedMs: number | undefined;
  /** Set by the rollup job when it runs in this process; absent = no rollup-lag gauge. */
  rollupLag?: () => RollupLag | undefined | Promise<RollupLag | undefined>;

  constructor() { eventLoopMonitor(); }

  countRequest(method: string, status: number): void {
    const key = `${method}|${status}`;
    this.httpRequests.set(key, (this.httpRequests.get(key) ?? 0) + 1);
  }

  observeRequest(method: string, route: string, seconds: number): void {
    this.httpDuration.observe(seconds, { method, route });
  }

  /** A batch committed through this replica (LiveBus.onCommitted). */
  observeCommitted(samples: LiveSample[], newestMs?: number): void {
    let newest = newestMs ?? -Infinity;
    if (newestMs === undefined) {
      for (const s of samples) {
        const t = Date.parse(s.ts);
        if (t > newest) newest = t;
      }
    }
    if (!Number.isFinite(newest)) return;
    this.ingestLag.observe(Math.max(0, (Date.now() - newest) / 1000));
    if (this.newestCommittedMs === undefined || newest > this.newestCommittedMs) this.newestCommittedMs = newest;
  }

  async render(extra: RenderExtra): Promise<string> {
    const gauge = (name: string, help: string, value: number | string, labels: Record<string, string> = {}) =>
      [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labelText(labels)} ${value}`];
    const counter = (name: string, help: string, value: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`];
    const lines = [
      ...gauge('kiban_build_info', 'Kiban version and database backend.', 1, { version: extra.version, db: extra.dbKind }),
      ...gauge('kiban_uptime_seconds', 'Seconds since the server started.', ((Date.now() - this.startedAt) / 1000).toFixed(0)),
      ...counter('kiban_ingest_batches_total', 'Collector batches committed (first delivery).', this.ingestBatches),
      ...counter('kiban_ingest_duplicate_batches_total', 'Replayed batches acknowledged without writing.', this.ingestDuplicateBatches),
      ...counter('kiban_ingest_rejected_batches_total', 'Batches rejected as invalid (4xx).', this.ingestRejectedBatches),
      ...counter('kiban_ingest_samples_total', 'Samples newly written.', this.ingestSamples),
      ...this.ingestLag.render(),
    ];
    if (this.newestCommittedMs !== undefined) {
      lines.push(...gauge('kiban_ingest_newest_sample_age_seconds', 'Now minus the timestamp of the newest sample committed through this replica.',
        Math.max(0, (Date.now() - this.newestCommittedMs) / 1000).toFixed(3)));
    }
    if (extra.ingestGate) {
      const g = extra.ingestGate;
      lines.push(
        ...counter('kiban_ingest_refused_total', 'Ingest requests refused with 503 + Retry-After because the database was behind.', g.refused),
        ...gauge('kiban_ingest_writing', 'Batches being written to the database now.', g.active),
        ...gauge('kiban_ingest_waiting', 'Batches waiting for a write slot.', g.waiting),
      );
    }
    lines.push(...gauge('kiban_live_subscribers', 'Open live (SSE) streams.', extra.liveSubscribers));
    if (extra.relay) {
      const r = extra.relay;
      for (const d of r.delays.splice(0)) this.relayDelay.observe(d);
      lines.push(
        ...counter('kiban_live_relay_sent_total', 'Committed batches relayed to other replicas (NOTIFY statements).', r.sentMessages),
        ...counter('kiban_live_relay_notifications_total', 'NOTIFY payloads sent (a batch takes one per ~7.9 kB).', r.sentNotifications),
        ...counter('kiban_live_relay_received_total', 'Live messages received from other replicas.', r.received),
        ...counter('kiban_live_relay_dropped_total', 'Batches not relayed because the NOTIFY backlog was full.', r.dropped),
        ...counter('kiban_live_relay_unwatched_total', 'Committed batches not relayed because no other replica had live streams.', r.unwatched),
        ...gauge('kiban_live_relay_peers_watching', 'Other replicas with live streams open (they receive this replica\'s commits).', r.peersWatching),
        ...counter('kiban_live_relay_errors_total', 'NOTIFY failures and undecodable notifications.', r.errors),
        ...counter('kiban_live_relay_reconnects_total', 'Times the LISTEN connection was re-established.', r.reconnects),
        ...this.relayDelay.render(),
      );
    }
    if (extra.poolStats) {
      try {
        const p = await extra.poolStats();
        lines.push(
          ...gauge('kiban_db_pool_size', 'Database connections the pool may open (1 for embedded PGlite).', p.size),
          '# HELP kiban_db_pool_connections Pooled database connections by state (the scrape\'s own excluded).',
          '# TYPE kiban_db_pool_connections gauge',
          `kiban_db_pool_connections{state="active"} ${p.active}`,
          `kiban_db_pool_connections{state="idle"} ${p.idle}`,
        );
        if (p.waiting !== undefined) lines.push(...gauge('kiban_db_queue_depth', 'Statements waiting for the database (embedded PGlite runs one at a time).', p.waiting));
      } catch { /* the database being down must not break the scrape */ }
    }
    if (this.rollupLag) {
      try {
        const r = await this.rollupLag();
        if (r) {
          lines.push(...gauge('kiban_rollup_lag_seconds', 'Age of the oldest rollup bucket still waiting to be re-aggregated (0 = up to date).', r.oldestDirtyAgeSeconds));
          if (r.dirtyByResolution) {
            lines.push('# HELP kiban_rollup_dirty_buckets Rollup buckets waiting to be re-aggregated, by resolution.', '# TYPE kiban_rollup_dirty_buckets gauge');
            for (const [res, n] of Object.entries(r.dirtyByResolution)) lines.push(`kiban_rollup_dirty_buckets${labelText({ resolution: res })} ${n}`);
          } else if (r.dirtyBuckets !== undefined) {
            lines.push(...gauge('kiban_rollup_dirty_buckets', 'Rollup buckets waiting to be re-aggregated.', r.dirtyBuckets));
          }
          if (r.errors !== undefined) lines.push(...counter('kiban_rollup_errors_total', 'Rollup job ticks that failed.', r.errors));
          if (r.yieldedTicks !== undefined) lines.push(...counter('kiban_rollup_yielded_ticks_total', 'Rollup ticks kept small to give way to ingest (one-connection databases, while the lag is under its bound).', r.yieldedTicks));
        }
      } catch { /* as above */ }
    }
    const loop = eventLoopMonitor();
    const s = (ns: number) => (Number.isFinite(ns) ? (ns / 1e9).toFixed(6) : '0');
    lines.push(
      '# HELP kiban_event_loop_delay_seconds Event-loop delay since the previous scrape (quantiles).',
      '# TYPE kiban_event_loop_delay_seconds summary',
      `kiban_event_loop_delay_seconds{quantile="0.5"} ${s(loop.percentile(50))}`,
      `kiban_event_loop_delay_seconds{quantile="0.99"} ${s(loop.percentile(99))}`,
      `kiban_event_loop_delay_seconds_sum ${s(loop.mean * loop.count)}`,
      `kiban_event_loop_delay_seconds_count ${loop.count}`,
      ...gauge('kiban_event_loop_delay_max_seconds', 'Longest event-loop delay since the previous scrape.', s(loop.max)),
    );
    loop.reset();
    lines.push('# HELP kiban_http_requests_total HTTP requests by method and status.', '# TYPE kiban_http_requests_total counter');
    for (const [k, n] of this.httpRequests) {
      const [method, status] = k.split('|');
      lines.push(`kiban_http_requests_total{method="${method}",status="${status}"} ${n}`);
    }
    lines.push(...this.httpDuration.render());
    return lines.join('\n') + '\n';
  }
}
