import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, upsBatch, type TestApp } from '../test/support/app.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('health and OpenAPI', () => {
  it('health answers without a token, naming the embedded backend', async () => {
    const res = await t.call('/api/v1/health', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: 'pglite', version: 'test' });
  });

  it('the OpenAPI document describes every route with its security', async () => {
    const doc = await (await t.call('/api/v1/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/health', '/api/v1/ingest', '/api/v1/devices', '/api/v1/points', '/api/v1/latest', '/api/v1/series', '/api/v1/stream', '/api/v1/session', '/api/v1/tokens']));
    expect(doc.paths['/api/v1/health'].get.security).toEqual([]);
    expect(doc.components.schemas.IngestBatch).toBeDefined();
  });
});

describe('security: every route except health needs a valid credential', () => {
  it('walks every operation of the OpenAPI document without a token and with a wrong one', async () => {
    const doc = await (await t.call('/api/v1/openapi.json')).json();
    const ops: Array<[string, string]> = [];
    for (const [p, item] of Object.entries<any>(doc.paths)) for (const m of Object.keys(item)) ops.push([m.toUpperCase(), p]);
    ops.push(['GET', '/api/v1/openapi.json'], ['GET', '/metrics']);
    expect(ops.length).toBeGreaterThanOrEqual(12);
    for (const [method, p] of ops) {
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
      for (const token of [null, 'kbn_not-a-real-token']) {
        const res = await t.call(p, { method, token, body, headers: body ? { 'content-type': 'application/json' } : {} });
        if (p === '/api/v1/health') { expect(res.status, `${method} ${p}`).toBe(200); continue; }
        expect(res.status, `${method} ${p} with token ${token}`).toBe(401);
        const json = await res.json();
        expect(json.error.code, `${method} ${p}`).toBe('unauthorized');
        expect(typeof json.error.message).toBe('string');
      }
    }
  });

  it('a viewer reads but may not create tokens; unknown API paths are JSON 404s', async () => {
    expect((await t.call('/api/v1/devices', { token: t.tokens.viewer })).status).toBe(200);
    const res = await t.call('/api/v1/tokens', { method: 'POST', json: { name: 'x', role: 'admin' }, token: t.tokens.viewer });
    expect(res.status).toBe(403);
    const nf = await t.call('/api/v1/nope');
    expect(nf.status).toBe(404);
    expect((await nf.json()).error.code).toBe('not_found');
  });

  it('an admin creates a collector token that can ingest and nothing else', async () => {
    const res = await t.call('/api/v1/tokens', { method: 'POST', json: { name: 'site-b', role: 'collector' } });
    expect(res.status).toBe(201);
    const { token } = await res.json();
    expect(token).toMatch(/^kbn_/);
    expect((await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(2, { device: 'ups-b' }), token })).status).toBe(200);
    expect((await t.call('/api/v1/series?points=ups-b/output.l1.power', { token })).status).toBe(403);
    const list = await (await t.call('/api/v1/tokens')).json();
    expect(JSON.stringify(list)).not.toContain(token);
  });
});

describe('browser session', () => {
  it('signs in with a token, uses the cookie, refuses cross-origin writes, signs out', async () => {
    const bad = await t.call('/api/v1/session', { method: 'POST', json: { token: 'kbn_wrong' }, token: null });
    expect(bad.status).toBe(401);
    const res = await t.call('/api/v1/session', { method: 'POST', json: { token: t.tokens.viewer }, token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'viewer', role: 'viewer' });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/kiban_session=kbs_[^;]+;.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0];
    const me = await t.call('/api/v1/session', { token: null, headers: { cookie } });
    expect(await me.json()).toEqual({ name: 'viewer', role: 'viewer' });
    const cross = await t.call('/api/v1/session', { method: 'DELETE', token: null, headers: { cookie, origin: 'http://evil.example', host: 'localhost' } });
    expect(cross.status).toBe(403);
    expect((await t.call('/api/v1/session', { method: 'DELETE', token: null, headers: { cookie } })).status).toBe(204);
    expect((await t.call('/api/v1/session', { token: null, headers: { cookie } })).status).toBe(401);
  });
});

describe('reads: latest, series, stream', () => {
  const start = Date.now() - 3_600_000;
  beforeAll(async () => {
    const batch = upsBatch(1200, { device: 'ups-r', start });
    const res = await t.call('/api/v1/ingest', { method: 'POST', json: batch, token: t.tokens.collector });
    expect(res.status).toBe(200);
  });

  it('latest gives the newest sample of each point with its unit', async () => {
    const res = await t.call('/api/v1/latest?points=ups-r/output.l1.power,ups-r/output.l1.load');
    const { items } = await res.json();
    const power = items.find((i: any) => i.point === 'ups-r/output.l1.power');
    expect(power).toMatchObject({ value: 4000 + 1198, unit: 'W', quality: 'ok', ts: new Date(start + 599_000).toISOString() });
    expect((await (await t.call('/api/v1/latest?device=ups-r')).json()).items).toHaveLength(2);
  });

  it('series returns raw samples when they fit, buckets with min/max when they do not', async () => {
    const from = new Date(start).toISOString();
    const to = new Date(start + 600_000).toISOString();
    const raw = await (await t.call(`/api/v1/series?points=ups-r/output.l1.power&from=${from}&to=${to}&width=1000`)).json();
    expect(raw.items[0].resolution).toBe('raw');
    expect(raw.items[0].samples).toHaveLength(600);
    const agg = await (await t.call(`/api/v1/series?points=ups-r/output.l1.power&from=${from}&to=${to}&width=50`)).json();
    expect(agg.items[0].resolution).toBe('6s');
    expect(agg.items[0].samples.length).toBeLessThanOrEqual(100);
    expect(agg.items[0].samples[0]).toMatchObject({ min: 4000, max: 4010, value: 4005 });
  });

  it('unknown points and bad ranges are clear errors', async () => {
    const unknown = await t.call('/api/v1/series?points=ups-r/nope');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.details.unknown).toEqual(['ups-r/nope']);
    const backwards = await t.call('/api/v1/series?points=ups-r/output.l1.power&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    const badWidth = await t.call('/api/v1/series?points=ups-r/output.l1.power&width=abc');
    expect(badWidth.status).toBe(400);
    expect((await badWidth.json()).error.details.issues[0].path).toBe('width');
  });

  it('the SSE stream delivers committed samples of the subscribed points', async () => {
    const res = await t.call('/api/v1/stream?points=ups-r/output.l1.power');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value);
      }
    };
    await readUntil('event: ready');
    await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(2, { device: 'ups-r' }), token: t.tokens.collector });
    await readUntil('event: samples');
    await readUntil('\n\n');
    const data = JSON.parse(text.split('event: samples')[1].split('data: ')[1].split('\n')[0]);
    expect(data.items).toHaveLength(1);
    expect(data.items[0].point).toBe('ups-r/output.l1.power');
    await reader.cancel();
  });
});

describe('metrics', () => {
  it('exposes Prometheus counters to an authenticated scraper', async () => {
    const res = await t.call('/metrics', { token: t.tokens.viewer });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^kiban_ingest_samples_total \d+$/m);
    expect(Number(/^kiban_ingest_batches_total (\d+)$/m.exec(text)![1])).toBeGreaterThan(0);
  });
});
