/**
 * GET /metrics scraped for real and parsed as the Prometheus text format: every family has HELP and TYPE
 * once, values are numbers, histograms are cumulative, and counters move after an ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, upsBatch, type TestApp } from '../../test/support/app.ts';
import { Histogram } from './metrics.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Family { help?: string; type?: string; samples: Sample[] }

/** A strict-enough parser of the 0.0.4 text format. */
function parse(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => { let f = families.get(name); if (!f) families.set(name, (f = { samples: [] })); return f; };
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      const f = family(m[2]);
      const key = m[1] === 'HELP' ? 'help' : 'type';
      expect(f[key], `duplicate ${m[1]} for ${m[2]}`).toBeUndefined();
      expect(f.samples, `${m[1]} for ${m[2]} after its samples`).toHaveLength(0);
      f[key] = m[3];
      if (key === 'type') expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(m[3]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, `unparseable line: ${line}`).not.toBeNull();
    const [, name, labelText, valueText] = m!;
    const labels: Record<string, string> = {};
    for (const lm of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    const value = valueText === '+Inf' ? Infinity : Number(valueText);
    expect(Number.isNaN(value), `value of ${line}`).toBe(false);
    const base = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    const f = families.get(base);
    expect(f?.type, `sample ${name} without TYPE`).toBeDefined();
    expect(f?.help, `sample ${name} without HELP`).toBeDefined();
    if (base !== name) expect(['histogram', 'summary']).toContain(f!.type);
    f!.samples.push({ name, labels, value });
  }
  return families;
}

const scrape = async () => {
  const res = await t.call('/metrics', { token: t.tokens.viewer });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
};
const value = (fams: Map<string, Family>, name: string, labels: Record<string, string> = {}) => {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = fams.get(name) ?? fams.get(base);
  return f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
};

describe('GET /metrics', () => {
  it('is well-formed, and counters, lag and request histograms move after an ingest', async () => {
    // One request first so the histogram has a route series to compare.
    await t.call('/api/v1/devices');
    const before = await scrape();
    const res = await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(100, { device: 'm-1', start: Date.now() - 60_000 }), token: t.tokens.collector });
    expect(res.status).toBe(200);
    const after = await scrape();

    expect(value(after, 'kiban_ingest_samples_total')! - (value(before, 'kiban_ingest_samples_total') ?? 0)).toBe(100);
    expect(value(after, 'kiban_ingest_batches_total')! - value(before, 'kiban_ingest_batches_total')!).toBe(1);
    expect(before.get('kiban_ingest_batches_total')!.type).toBe('counter');
    // Ingest lag: one more observation, and the newest committed sample is about 10 s old (50 s after start).
    expect(value(after, 'kiban_ingest_sample_age_seconds_count')! - value(before, 'kiban_ingest_sample_age_seconds_count')!).toBe(1);
    const age = value(after, 'kiban_ingest_newest_sample_age_seconds')!;
    expect(age).toBeGreaterThan(9);
    expect(age).toBeLessThan(60);
    // HTTP durations by route pattern.
    const ingestCount = (f: Map<string, Family>) => value(f, 'kiban_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/ingest' }) ?? 0;
    expect(ingestCount(after) - ingestCount(before)).toBe(1);
    expect(value(after, 'kiban_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/devices' })).toBeGreaterThanOrEqual(1);
    expect(after.get('kiban_http_request_duration_seconds')!.type).toBe('histogram');
    // Histograms are cumulative and end with +Inf = count.
    for (const [name, f] of after) {
      if (f.type !== 'histogram') continue;
      const bySeries = new Map<string, Sample[]>();
      for (const s of f.samples.filter((x) => x.name === `${name}_bucket`)) {
        const { le: _le, ...rest } = s.labels;
        const k = JSON.stringify(rest);
        bySeries.set(k, [...(bySeries.get(k) ?? []), s]);
      }
      for (const [k, buckets] of bySeries) {
        for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
        expect(buckets.at(-1)!.labels.le).toBe('+Inf');
        expect(buckets.at(-1)!.value).toBe(value(after, `${name}_count`, JSON.parse(k)));
      }
    }
    // Process and database gauges.
    expect(after.get('kiban_event_loop_delay_seconds')!.type).toBe('summary');
    expect(value(after, 'kiban_event_loop_delay_seconds', { quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    expect(value(after, 'kiban_event_loop_delay_max_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(after, 'kiban_db_pool_size')).toBe(1);
    expect(value(after, 'kiban_db_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(value(after, 'kiban_live_subscribers')).toBe(0);
    expect(value(after, 'kiban_build_info', { db: 'pglite', version: 'test' })).toBe(1);
  });

  it('exports rollup lag when the rollup job provides it', async () => {
    // No rollup job runs in this test process.
    expect((await scrape()).has('kiban_rollup_lag_seconds')).toBe(false);
    // The rollup job sets this hook on the server's ServerMetrics; here on a fresh instance.
    const { ServerMetrics } = await import('./metrics.ts');
    const metrics = new ServerMetrics();
    metrics.rollupLag = () => ({ oldestDirtyAgeSeconds: 42.5, dirtyByResolution: { '1m': 7, '1h': 1 }, errors: 2 });
    const fams = parse(await metrics.render({ liveSubscribers: 0, dbKind: 'pglite', version: 'x' }));
    expect(value(fams, 'kiban_rollup_lag_seconds')).toBe(42.5);
    expect(value(fams, 'kiban_rollup_dirty_buckets', { resolution: '1m' })).toBe(7);
    expect(value(fams, 'kiban_rollup_errors_total')).toBe(2);
  });

  it('label values are escaped', () => {
    const h = new Histogram('x_seconds', 'help', [1]);
    h.observe(0.5, { route: 'a"b\\c' });
    expect(h.render()).toContain('x_seconds_count{route="a\\"b\\\\c"} 1');
  });
});
