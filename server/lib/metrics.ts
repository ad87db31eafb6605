/** Counters exposed at GET /metrics in the Prometheus text format. */
export class ServerMetrics {
  ingestBatches = 0;
  ingestDuplicateBatches = 0;
  ingestSamples = 0;
  ingestRejectedBatches = 0;
  httpRequests = new Map<string, number>();
  readonly startedAt = Date.now();

  countRequest(method: string, status: number): void {
    const key = `${method}|${status}`;
    this.httpRequests.set(key, (this.httpRequests.get(key) ?? 0) + 1);
  }

  render(extra: { liveSubscribers: number; dbKind: string; version: string }): string {
    const lines = [
      '# HELP kiban_build_info Kiban version and database backend.',
      '# TYPE kiban_build_info gauge',
      `kiban_build_info{version="${extra.version}",db="${extra.dbKind}"} 1`,
      '# HELP kiban_uptime_seconds Seconds since the server started.',
      '# TYPE kiban_uptime_seconds gauge',
      `kiban_uptime_seconds ${((Date.now() - this.startedAt) / 1000).toFixed(0)}`,
      '# HELP kiban_ingest_batches_total Collector batches committed (first delivery).',
      '# TYPE kiban_ingest_batches_total counter',
      `kiban_ingest_batches_total ${this.ingestBatches}`,
      '# HELP kiban_ingest_duplicate_batches_total Replayed batches acknowledged without writing.',
      '# TYPE kiban_ingest_duplicate_batches_total counter',
      `kiban_ingest_duplicate_batches_total ${this.ingestDuplicateBatches}`,
      '# HELP kiban_ingest_rejected_batches_total Batches rejected as invalid (4xx).',
      '# TYPE kiban_ingest_rejected_batches_total counter',
      `kiban_ingest_rejected_batches_total ${this.ingestRejectedBatches}`,
      '# HELP kiban_ingest_samples_total Samples newly written.',
      '# TYPE kiban_ingest_samples_total counter',
      `kiban_ingest_samples_total ${this.ingestSamples}`,
      '# HELP kiban_live_subscribers Open live (SSE) streams.',
      '# TYPE kiban_live_subscribers gauge',
      `kiban_live_subscribers ${extra.liveSubscribers}`,
      '# HELP kiban_http_requests_total HTTP requests by method and status.',
      '# TYPE kiban_http_requests_total counter',
      ...[...this.httpRequests].map(([k, n]) => {
        const [method, status] = k.split('|');
        return `kiban_http_requests_total{method="${method}",status="${status}"} ${n}`;
      }),
    ];
    return lines.join('\n') + '\n';
  }
}
