/**
 * The Kiban HTTP application: JSON API under /api/v1 (OpenAPI-described), Prometheus metrics, and the web
 * bundle. Routes are thin; SQL lives in db/queries.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { createRoute, z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { getRollupJobStats } from './jobs/rollups.ts';
import { ingestGate } from './routes/ingest/ingest.gate.ts';
import { relayOf } from './live/pg-relay.ts';
import type { AppDeps } from './lib/context.ts';
import { createRouter } from './lib/create-router.ts';
import { errorJson, errorResponses } from './lib/errors.ts';
import { authenticate, readers } from './middlewares/auth.ts';
import { cmdbRouter } from './routes/cmdb/cmdb.index.ts';
import { collectorsRouter } from './routes/collectors/collectors.index.ts';
import { devicesRouter } from './routes/devices/devices.index.ts';
import { eventsRouter } from './routes/events/events.index.ts';
import { healthRouter } from './routes/health/health.index.ts';
import { ingestRouter } from './routes/ingest/ingest.index.ts';
import { latestRouter } from './routes/latest/latest.index.ts';
import { pointsRouter } from './routes/points/points.index.ts';
import { seriesRouter } from './routes/series/series.index.ts';
import { sessionRouter } from './routes/session/session.index.ts';
import { streamRouter } from './routes/stream/stream.index.ts';
import { tokensRouter } from './routes/tokens/tokens.index.ts';
import { siteViewRouter } from './routes/site-view/site-view.index.ts';
import { racksRouter } from './routes/racks/racks.index.ts';
import { overviewRouter } from './routes/overview/overview.index.ts';

export interface CreateAppOptions {
  /** Directory of the built web bundle (web/dist); omitted = API only. */
  webDist?: string;
}

const metricsRoute = createRoute({
  method: 'get', path: '/metrics', tags: ['operations'],
  summary: 'Prometheus metrics of this server replica',
  description: 'Text exposition format 0.0.4: ingest counters and lag, HTTP request durations by route, database pool, '
    + 'live streams and cross-replica relay, rollup lag (when the rollup job runs here), event-loop delay. '
    + 'Any signed-in role may scrape.',
  middleware: [readers] as const,
  responses: {
    200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses,
  },
});

export function createApp(deps: AppDeps, opts: CreateAppOptions = {}) {
  const app = createRouter();

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    deps.metrics.countRequest(c.req.method, c.res.status);
    // The route pattern that answered (e.g. /api/v1/stream/:id/subscriptions), so label values stay bounded.
    deps.metrics.observeRequest(c.req.method, routePath(c), (performance.now() - started) / 1000);
    if (c.req.path.startsWith('/api/') || c.req.path === '/metrics') {
      deps.logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  app.use('/api/*', authenticate());
  app.use('/metrics', authenticate());

  for (const router of [healthRouter, sessionRouter, tokensRouter, ingestRouter, collectorsRouter, devicesRouter, eventsRouter, pointsRouter, latestRouter, seriesRouter, streamRouter, cmdbRouter, siteViewRouter, racksRouter, overviewRouter]) {
    app.route('/', router);
  }

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'kiban_session' });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Kiban API', version: deps.version, description: 'Kiban DCIM: ingest, devices, points and time series; the configuration model (CMDB).' },
    security: [{ bearer: [] }, { session: [] }],
  });

  deps.bus.onCommitted ??= (samples, newestMs) => deps.metrics.observeCommitted(samples, newestMs);
  // Rollup lag from the rollup job when it runs in this process (on one replica at a time it does the work).
  deps.metrics.rollupLag ??= () => {
    const r = getRollupJobStats();
    return r ? { oldestDirtyAgeSeconds: r.lagSeconds, dirtyByResolution: { '1m': r.dirtyMinutes, '1h': r.dirtyHours, '1d': r.dirtyDays }, errors: r.errors, yieldedTicks: r.yieldedTicks } : undefined;
  };
  app.openapi(metricsRoute, async (c) => c.text(
    await deps.metrics.render({
      liveSubscribers: deps.bus.subscriberCount, dbKind: deps.db.kind, version: deps.version,
      poolStats: deps.db.poolStats, relay: relayOf(deps.bus)?.stats, ingestGate: ingestGate(deps.db),
    }),
    200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
  ) as any);

  app.all('/api/*', (c) => errorJson(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`));

  if (opts.webDist && existsSync(path.join(opts.webDist, 'index.html'))) {
    const root = path.resolve(opts.webDist);
    app.use('/assets/*', async (c, next) => { await next(); c.header('Cache-Control', 'public, max-age=31536000, immutable'); });
    app.use('*', serveStatic({ root }));
    app.get('*', serveStatic({ path: path.join(root, 'index.html') }));
  }
  app.notFound((c) => errorJson(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 400 ? 'invalid_request' : status === 401 ? 'unauthorized' : status === 413 ? 'payload_too_large' : 'http_error';
      return errorJson(c, status as any, code, err.message || 'request failed');
    }
    deps.logger.error({ err: { message: err.message, stack: err.stack }, path: c.req.path }, 'unhandled error');
    return errorJson(c, 500, 'internal', 'internal server error');
  });
  return app;
}

export type KibanApp = ReturnType<typeof createApp>;
