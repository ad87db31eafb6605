/**
 * The demo: embedded database, a simulated data center, a collector polling it, and the server with the web
 * UI — all in one process on loopback. `kiban demo` (and `npm start`) run it; the end-to-end and browser tests
 * start exactly the same thing on free ports.
 */
import path from 'node:path';
import { startCollector, targetsFromSim, type CollectorHandle } from '../collector/index.ts';
import { openDb, type Db } from '../db/client.ts';
import { startSim, type SimHandle } from '../firmware-sims/index.ts';
import { ciCount } from '../db/queries/cmdb.ts';
import { applyPlan } from './domain/cmdb/apply.ts';
import { sitePlan } from './domain/cmdb/site-plan.ts';
import { issueToken, startServer, type RunningServer } from './index.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { ensureWebBuilt, webDistDir } from './web-build.ts';

export interface DemoOptions {
  dataDir: string;
  /** postgres://… to use a server database instead of the embedded one. */
  databaseUrl?: string;
  host?: string;
  port?: number;
  simPort?: number;
  adminToken?: string;
  pollIntervalMs?: number;
  /** How often the collector re-reads what each device says about itself (default 10 min). */
  identityIntervalMs?: number;
  simTickMs?: number;
  /** MQTT broker for the simulated rack sensors; unset = an embedded broker on a free port. */
  mqttUrl?: string;
  logger?: Logger;
  onProgress?: (msg: string) => void;
}

export interface Demo {
  url: string;
  adminToken: string;
  /** True when the admin token was generated (not given via KIBAN_ADMIN_TOKEN). */
  adminTokenGenerated: boolean;
  db: Db;
  server: RunningServer;
  sim: SimHandle;
  collector: CollectorHandle;
  stop(): Promise<void>;
}

export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const logger = opts.logger ?? createLogger({ level: process.env.KIBAN_LOG_LEVEL ?? 'warn' });
  const progress = opts.onProgress ?? (() => {});
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.error({ err: String(err) }, 'demo shutdown step failed'));
    cleanups.length = 0;
  };
  try {
    await ensureWebBuilt(progress);
    const db = await openDb({ url: opts.databaseUrl, dataDir: opts.databaseUrl ? undefined : path.join(opts.dataDir, 'db') });
    cleanups.push(() => db.close());
    const adminToken = await issueToken(db, 'admin', 'admin', opts.adminToken);
    const server = await startServer({ db, host: opts.host, port: opts.port, logger, webDist: webDistDir });
    cleanups.push(() => server.close());
    const sim = await startSim({ host: '127.0.0.1', controlPort: opts.simPort ?? 0, snmpPort: 0, tickMs: opts.simTickMs, mqttUrl: opts.mqttUrl });
    cleanups.push(() => sim.stop());
    // The simulated site described as CIs, through the same import path as NetBox and CSV, once: a restart
    // keeps what people changed since.
    if (await ciCount(db) === 0) {
      const result = await applyPlan(db, sitePlan(sim.spec, { collector: 'demo-collector' }), { actor: 'demo', mode: 'all-or-nothing' });
      progress(`configuration: ${result.created} CIs and ${result.relationsCreated} relationships of the simulated site`);
    }
    // The collector runs with its own least-privilege token, rotated at every start.
    const collectorToken = await issueToken(db, 'demo-collector', 'collector');
    const targets = (await targetsFromSim(sim.controlUrl)).map((t) => ({ ...t, intervalMs: opts.pollIntervalMs ?? t.intervalMs }));
    const collector = await startCollector({
      name: 'demo-collector', serverUrl: server.url, token: collectorToken,
      outboxDir: path.join(opts.dataDir, 'outbox'), targets, logger: logger.child({ component: 'collector' }),
      ...(opts.identityIntervalMs !== undefined ? { identityIntervalMs: opts.identityIntervalMs } : {}),
    });
    cleanups.push(() => collector.stop());
    return { url: server.url, adminToken, adminTokenGenerated: !opts.adminToken, db, server, sim, collector, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
