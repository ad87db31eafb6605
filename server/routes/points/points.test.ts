/** GET /api/v1/points: all, by device, and searched by text (the web app's global search). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, upsBatch, type TestApp } from '../../../test/support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  for (const device of ['ups-east', 'ups-west', 'ups_1']) {
    expect((await t.call('/api/v1/ingest', { method: 'POST', json: upsBatch(2, { device }), token: t.tokens.collector })).status).toBe(200);
  }
});
afterAll(async () => { await t.close(); });

const keys = async (query: string) => {
  const res = await t.call(`/api/v1/points${query}`, { token: t.tokens.viewer });
  expect(res.status).toBe(200);
  return ((await res.json()).items as Array<{ key: string }>).map((p) => p.key);
};

describe('GET /api/v1/points', () => {
  it('finds points by a case-insensitive piece of their key, limited', async () => {
    expect(await keys('?q=EAST')).toEqual(['ups-east/output.l1.load', 'ups-east/output.l1.power']);
    expect(await keys('?q=l1.power')).toEqual(['ups-east/output.l1.power', 'ups-west/output.l1.power', 'ups_1/output.l1.power']);
    expect(await keys('?q=l1.power&limit=2')).toHaveLength(2);
    expect(await keys('?q=nothing-like-this')).toEqual([]);
  });

  it('takes % and _ in the text literally', async () => {
    expect(await keys('?q=ups_')).toEqual(['ups_1/output.l1.load', 'ups_1/output.l1.power']);
    expect(await keys('?q=%25')).toEqual([]);
  });

  it('rejects a bad limit and an empty query, and needs a token', async () => {
    expect((await t.call('/api/v1/points?limit=0')).status).toBe(400);
    expect((await t.call('/api/v1/points?q=')).status).toBe(400);
    expect((await t.call('/api/v1/points?q=east', { token: null })).status).toBe(401);
  });
});
