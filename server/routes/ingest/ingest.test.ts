import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCount } from '../../../db/queries/samples.ts';
import { createTestApp, upsBatch, type TestApp } from '../../../test/support/app.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('POST /api/v1/ingest — happy path', () => {
  it('commits a batch, declares its device and points, and acknowledges after commit', async () => {
    const before = await sampleCount(t.db);
    const batch = upsBatch(10);
    const res = await t.call('/api/v1/ingest', { method: 'POST', json: batch, token: t.tokens.collector });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ batchId: batch.batchId, accepted: 10, inserted: 10, duplicate: false });
    expect(await sampleCount(t.db)).toBe(before + 10);
    const points = await (await t.call('/api/v1/points?device=ups-t')).json();
    expect(points.items.map((p: any) => p.key).sort()).toEqual(['ups-t/output.l1.load', 'ups-t/output.l1.power']);
  });

  it('acknowledges a replayed batch without writing it again', async () => {
    const batch = upsBatch(6);
    const first = await t.call('/api/v1/ingest', { method: 'POST', json: batch, token: t.tokens.collector });
    const count = await sampleCount(t.db);
    const replays = await Promise.all([1, 2].map(() => t.call('/api/v1/ingest', { method: 'POST', json: batch, token: t.tokens.collector })));
    expect(first.status).toBe(200);
    for (const r of replays) expect(await r.json()).toMatchObject({ duplicate: true, inserted: 0, accepted: 6 });
    expect(await sampleCount(t.db)).toBe(count);
  });

  it('publishes committed samples to live subscribers', async () => {
    const seen: string[] = [];
    const off = t.bus.subscribe((s) => seen.push(...s.map((x) => x.point)));
    await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(2), token: t.tokens.collector });
    off();
    expect(seen).toEqual(['ups-t/output.l1.power', 'ups-t/output.l1.load']);
  });
});

describe('POST /api/v1/ingest — bad input is rejected whole, with the field named', () => {
  const cases: Array<[string, (b: any) => void, string]> = [
    ['a value that is a string', (b) => { b.samples[3].value = '42'; }, 'samples[3].value'],
    ['a missing value on an ok sample', (b) => { b.samples[1].value = null; }, 'samples[1].value'],
    ['an unknown quality', (b) => { b.samples[2].quality = 'great'; }, 'samples[2].quality'],
    ['a timestamp without offset', (b) => { b.samples[0].ts = '2026-11-22 10:00:00'; }, 'samples[0].ts'],
    ['a timestamp before 2000', (b) => { b.samples[4].ts = '1999-12-31T23:59:59Z'; }, 'samples[4].ts'],
    ['a timestamp far in the future', (b) => { b.samples[5].ts = '2099-01-01T00:00:00Z'; }, 'samples[5].ts'],
    ['an undeclared point', (b) => { b.samples[1].point = 'ups-t/no.such.metric'; }, 'samples[1].point'],
    ['a hostile point key', (b) => { b.samples[1].point = "ups-t/x'; drop table samples;--"; }, 'samples[1].point'],
    ['a point of an unknown device', (b) => { b.points[0] = { ...b.points[0], key: 'ghost/output.l1.power', device: 'ghost' }; }, 'points[0].device'],
    ['a bad batch id', (b) => { b.batchId = 'not-a-uuid'; }, 'batchId'],
  ];
  it.each(cases)('%s → 400 naming %s, and nothing of the batch is written', async (_name, mutate, path) => {
    const batch = upsBatch(8);
    mutate(batch);
    const before = await sampleCount(t.db);
    const res = await t.call('/api/v1/ingest', { method: 'POST', json: batch, token: t.tokens.collector });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.details.issues.map((i: any) => i.path)).toContain(path);
    expect(body.error.message).toContain(path);
    expect(await sampleCount(t.db)).toBe(before);
  });

  it('NaN and Infinity cannot even be expressed in JSON and are refused', async () => {
    const batch = upsBatch(2);
    const body = JSON.stringify(batch).replace('"value":4000', '"value":NaN');
    const res = await t.call('/api/v1/ingest', { method: 'POST', body, headers: { 'content-type': 'application/json' }, token: t.tokens.collector });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_request');
  });

  it('a body over the size limit gets 413', async () => {
    const huge = '{"pad":"' + 'x'.repeat(17 * 1024 * 1024) + '"}';
    const res = await t.call('/api/v1/ingest', { method: 'POST', body: huge, headers: { 'content-type': 'application/json' }, token: t.tokens.collector });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
  });

  it('too many samples in one request gets 413 too_many_samples naming samples, before any per-sample check', async () => {
    const batch = upsBatch(2);
    batch.samples = Array.from({ length: 50_001 }, () => batch.samples[0]);
    const res = await t.call('/api/v1/ingest', { method: 'POST', json: batch, token: t.tokens.collector });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.error.code).toBe('too_many_samples');
    expect(body.error.details.issues[0].path).toBe('samples');
  });
});

describe('POST /api/v1/ingest — security', () => {
  it('refuses without a token, with a wrong token, and for a viewer', async () => {
    const json = upsBatch(2);
    expect((await t.call('/api/v1/ingest', { method: 'POST', json, token: null })).status).toBe(401);
    expect((await t.call('/api/v1/ingest', { method: 'POST', json, token: 'kbn_wrong' })).status).toBe(401);
    const viewer = await t.call('/api/v1/ingest', { method: 'POST', json, token: t.tokens.viewer });
    expect(viewer.status).toBe(403);
    expect((await viewer.json()).error.code).toBe('forbidden');
  });

  it('a collector token may only ingest', async () => {
    expect((await t.call('/api/v1/devices', { token: t.tokens.collector })).status).toBe(403);
    expect((await t.call('/api/v1/tokens', { token: t.tokens.collector })).status).toBe(403);
  });
});
