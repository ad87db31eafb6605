/**
 * Every route the app registers under /api/v1 (and /metrics) is in the OpenAPI document, with a summary and
 * described responses whose successful answer has a schema. Walks the real Hono route table, so a route
 * added without createRoute fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/support/app.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

/** Not operations: the catch-all JSON 404 and the document itself. */
const NOT_OPERATIONS = new Set(['ALL /api/*', 'GET /api/v1/openapi.json']);

describe('OpenAPI completeness', () => {
  it('describes every registered /api/v1 route and /metrics, with a summary and response schemas', async () => {
    const doc = await (await t.call('/api/v1/openapi.json')).json();
    const registered = new Set<string>();
    for (const r of t.app.routes) {
      if (!(r.path.startsWith('/api/') || r.path === '/metrics')) continue;
      if (r.method === 'ALL' && r.path !== '/api/*') continue; // middleware (app.use)
      const key = `${r.method} ${r.path}`;
      if (!NOT_OPERATIONS.has(key)) registered.add(key);
    }
    expect(registered.size).toBeGreaterThanOrEqual(15);
    const problems: string[] = [];
    for (const key of [...registered].sort()) {
      const [method, path] = key.split(' ');
      const docPath = path.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths?.[docPath]?.[method.toLowerCase()];
      if (!op) { problems.push(`${key}: missing from the document`); continue; }
      if (!op.summary?.trim()) problems.push(`${key}: no summary`);
      const responses = Object.entries<any>(op.responses ?? {});
      if (responses.length === 0) problems.push(`${key}: no responses`);
      for (const [status, r] of responses) if (!r.description?.trim()) problems.push(`${key}: response ${status} has no description`);
      const ok = responses.filter(([s]) => /^2\d\d$/.test(s));
      if (ok.length === 0) problems.push(`${key}: no 2xx response`);
      for (const [status, r] of ok) {
        if (status === '204') continue;
        const media = Object.values<any>(r.content ?? {});
        if (media.length === 0 || media.some((m) => !m.schema)) problems.push(`${key}: response ${status} has no schema`);
      }
      const needsAuth = !(method === 'GET' && path === '/api/v1/health') && !(method === 'POST' && path === '/api/v1/session');
      if (needsAuth && !responses.some(([s]) => s === '401')) problems.push(`${key}: 401 not described`);
    }
    // And nothing in the document that the app does not serve.
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const m of Object.keys(item)) {
        const key = `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`;
        if (!registered.has(key)) problems.push(`${key}: documented but not registered`);
      }
    }
    expect(problems).toEqual([]);
  });
});
