/** Starts the Kiban server on a database handle: bootstrap credentials, HTTP listener, graceful close. */
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { Db } from '../db/client.ts';
import { putToken } from '../db/queries/auth.ts';
import type { Role } from '../db/schema/index.ts';
import { createApp } from './app.ts';
import { LiveBus } from './live/bus.ts';
import { startRollupJob } from './jobs/rollups.ts';
import { ingestGate } from './routes/ingest/ingest.gate.ts';
import { startLiveRelay } from './live/pg-relay.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { ServerMetrics } from './lib/metrics.ts';
import { hashSecret, newSecret } from './lib/secrets.ts';
import { KIBAN_VERSION } from './version.ts';
import { ensureStarterModels } from './domain/cmdb/starter-models.ts';

export const defaultWebDist = fileURLToPath(new URL('../web/dist', import.meta.url));

export class PortInUseError extends Error {
  constructor(readonly port: number, readonly host: string) {
    super(`port ${port} on ${host} is already in use`);
  }
}

export interface StartServerOptions {
  db: Db;
  port?: number;
  host?: string;
  logger?: Logger;
  webDist?: string;
  sessionTtlMs?: number;
  /** Run the rollup/retention job in this process (default true; every replica may, one computes at a time). */
  rollupJob?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  bus: LiveBus;
  close(): Promise<void>;
}

/** Creates or rotates a named token and returns its secret (only hashes are stored). */
export async function issueToken(db: Db, name: string, role: Role, secret = newSecret()): Promise<string> {
  await putToken(db, { name, role, tokenHash: hashSecret(secret) });
  return secret;
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  const logger = opts.logger ?? createLogger();
  const bus = new LiveBus();
  await ensureStarterModels(opts.db);
  const app = createApp(
    { db: opts.db, logger, bus, metrics: new ServerMetrics(), version: KIBAN_VERSION, sessionTtlMs: opts.sessionTtlMs ?? 12 * 3_600_000 },
    { webDist: opts.webDist ?? defaultWebDist },
  );
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port });
    s.once('listening', () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  // Live fan-out across replicas (PostgreSQL LISTEN/NOTIFY); embedded PGlite stays in-process.
  const relay = await startLiveRelay(bus, opts.db, logger).catch((err) => {
    logger.error({ err: (err as Error).message }, 'live relay could not LISTEN: streams show this replica\'s commits only');
    return undefined;
  });
  // Acknowledging batches comes before rollups: while this replica is writing batches, the rollup job works in
  // small steps (its lag bounded; see RollupJobOptions.yieldTo). On embedded PGlite both share one connection;
  // on PostgreSQL they share the machine's cores with the database.
  const gate = ingestGate(opts.db);
  const rollups = opts.rollupJob === false ? undefined : startRollupJob({ db: opts.db, logger, yieldTo: () => gate.busy() });
  logger.info({ url, db: opts.db.kind }, 'server listening');
  return {
    url, port: actualPort, bus,
    close: async () => {
      await rollups?.stop();
      await relay?.close();
      await new Promise<void>((resolve) => {
        (server as any).closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
