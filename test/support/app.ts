/** The real Hono app on a real (in-memory) embedded database, driven with app.request(). */
import { openDb, type Db } from '../../db/client.ts';
import { createApp } from '../../server/app.ts';
import { issueToken } from '../../server/index.ts';
import { LiveBus } from '../../server/live/bus.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { ServerMetrics } from '../../server/lib/metrics.ts';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: Db;
  bus: LiveBus;
  tokens: { admin: string; viewer: string; collector: string };
  call(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function createTestApp(): Promise<TestApp> {
  const db = await openDb();
  const bus = new LiveBus();
  const app = createApp({ db, logger: silentLogger(), bus, metrics: new ServerMetrics(), version: 'test', sessionTtlMs: 3_600_000 });
  const tokens = {
    admin: await issueToken(db, 'admin', 'admin'),
    viewer: await issueToken(db, 'viewer', 'viewer'),
    collector: await issueToken(db, 'collector-1', 'collector'),
  };
  return {
    app, db, bus, tokens,
    call: (path, init = {}) => {
      const { token = tokens.admin, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return Promise.resolve(app.request(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body }));
    },
    close: () => db.close(),
  };
}

/** A valid collector batch for one UPS with `n` output power samples, one second apart. */
export function upsBatch(n: number, opts: { device?: string; start?: number; batchId?: string } = {}) {
  const device = opts.device ?? 'ups-t';
  const start = opts.start ?? Date.now() - n * 1000;
  return {
    batchId: opts.batchId ?? crypto.randomUUID(),
    collector: 'collector-1',
    devices: [{ name: device, kind: 'ups', protocol: 'snmp', address: '127.0.0.1:1161', profile: 'rfc1628-ups' }],
    points: [
      { key: `${device}/output.l1.power`, device, metric: 'output.l1.power', unit: 'W', kind: 'gauge', role: 'ups.output.power' },
      { key: `${device}/output.l1.load`, device, metric: 'output.l1.load', unit: '%', kind: 'gauge', role: 'ups.output.load' },
    ],
    samples: Array.from({ length: n }, (_, i) => ({
      point: i % 2 ? `${device}/output.l1.load` : `${device}/output.l1.power`,
      ts: new Date(start + Math.floor(i / 2) * 1000).toISOString(), value: i % 2 ? 50 : 4000 + i, quality: 'ok',
    })),
  };
}
