/** `kiban <command>`: demo, server, collector, sim, migrate, bench. Each prints its own --help. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../../db/client.ts';
import { createLogger } from '../lib/logger.ts';
import { KIBAN_VERSION } from '../version.ts';

const USAGE = `kiban ${KIBAN_VERSION} — open DCIM with edge collectors

Usage: kiban <command> [options]

Commands:
  demo        run everything on loopback: embedded database, simulated data center, collector, server, web UI
  server      run the API server and web UI (embedded database unless DATABASE_URL is set)
  collector   poll devices and forward samples to a server through a durable outbox
  sim         run a simulated data center (UPS, PDUs, CRACs, meters, rack sensors) with its control API
  migrate     apply database migrations and exit
  bench       run a benchmark: kiban bench <name> [--quick]

Run 'kiban <command> --help' for a command's options.
Environment: PORT (8080), HOST (127.0.0.1), DATABASE_URL (unset = embedded), KIBAN_DATA_DIR (./data),
  KIBAN_ADMIN_TOKEN (bootstrap admin token; generated and printed when unset), SIM_PORT (8090), KIBAN_LOG_LEVEL.`;

const DEMO_HELP = `Usage: kiban demo [--port N] [--sim-port N] [--data-dir DIR]

Runs the whole product on loopback: embedded PostgreSQL (PGlite) in DIR, a simulated 8-rack data center
(UPSes, PDUs, cooling, meters, rack sensors on an embedded MQTT broker), a collector reading every device every
2 s, the server and the web UI. Prints the URL and the admin token. Data is kept in DIR across restarts.
Uses no fixed ports except PORT (8080) and SIM_PORT (8090); set MQTT_URL to use an existing broker.
  --port N        HTTP port (env PORT, default 8080)
  --sim-port N    simulator control API port (env SIM_PORT, default 8090)
  --data-dir DIR  data directory (env KIBAN_DATA_DIR, default ./data)`;

const SERVER_HELP = `Usage: kiban server [--port N] [--host H] [--data-dir DIR]

Runs the API server and the web UI. Database: DATABASE_URL (postgres://…) or embedded PGlite in DIR/db.
Migrations are applied on start. The bootstrap admin token comes from KIBAN_ADMIN_TOKEN, or is generated and
printed once at start. Create collector tokens with POST /api/v1/tokens.
  --port N        (env PORT, default 8080)
  --host H        (env HOST, default 127.0.0.1)
  --data-dir DIR  (env KIBAN_DATA_DIR, default ./data)`;

const MIGRATE_HELP = `Usage: kiban migrate [--data-dir DIR]

Applies pending migrations to DATABASE_URL, or to the embedded database in DIR/db, and exits.`;

function portFrom(value: string | undefined, envName: string, fallback: number): number {
  const raw = value ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`${envName === 'PORT' ? 'port' : envName} must be an integer 0–65535, got "${raw}"`);
  return n;
}

class CliError extends Error {}

/** Fails fast, before the database is opened, when a fixed port is taken (0 = any free port). */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import('node:net');
  const { PortInUseError } = await import('../index.ts');
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function onShutdown(fn: () => Promise<void>) {
  let stopping = false;
  const handler = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nkiban: ${signal} received, stopping…\n`);
    await fn();
    process.exit(0);
  };
  process.on('SIGINT', () => void handler('SIGINT'));
  process.on('SIGTERM', () => void handler('SIGTERM'));
}

async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, 'sim-port': { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(DEMO_HELP); return 0; }
  const { startDemo } = await import('../demo.ts');
  const dataDir = path.resolve(values['data-dir'] ?? process.env.KIBAN_DATA_DIR ?? './data');
  const port = portFrom(values.port, 'PORT', 8080);
  const simPort = portFrom(values['sim-port'], 'SIM_PORT', 8090);
  const host = process.env.HOST ?? '127.0.0.1';
  await assertPortFree(port, host);
  try { await assertPortFree(simPort, "127.0.0.1"); } catch {
    throw new CliError(`simulator port ${simPort} is already in use (set SIM_PORT or --sim-port to another port)`);
  }
  const started = Date.now();
  const d = await startDemo({
    dataDir, port, simPort, host, databaseUrl: process.env.DATABASE_URL || undefined,
    adminToken: process.env.KIBAN_ADMIN_TOKEN || undefined, pollIntervalMs: 2000, mqttUrl: process.env.MQTT_URL || undefined,
    onProgress: (m) => console.log(m),
  });
  onShutdown(() => d.stop());
  const ups = d.sim.devices.find((x) => x.kind === 'ups' && x.protocol === 'snmp')!;
  console.log(`
Kiban demo is running (${d.db.kind}, data in ${dataDir}, started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  Open:        ${d.url}/#token=${d.adminToken}
  Admin token: ${d.adminToken}${d.adminTokenGenerated ? '   (generated; set KIBAN_ADMIN_TOKEN to choose one)' : ''}
  API:         curl -H "Authorization: Bearer <token>" ${d.url}/api/v1/devices
  Simulator:   ${d.sim.controlUrl}/sim/v1/devices   (${d.sim.spec.racks.length} racks, ${d.sim.devices.length} devices; ${ups.id}: SNMP v2c ${ups.host}:${ups.port}, community "${ups.snmp?.community}")
  MQTT:        ${d.sim.mqttUrl}   (rack sensors: mosquitto_sub -L ${d.sim.mqttUrl}/kiban/# -v)

Press Ctrl-C to stop; data is kept for the next start.`);
  return new Promise<number>(() => {});
}

async function server(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(SERVER_HELP); return 0; }
  const { issueToken, startServer } = await import('../index.ts');
  const { ensureWebBuilt, webDistDir } = await import('../web-build.ts');
  const logger = createLogger();
  const dataDir = path.resolve(values['data-dir'] ?? process.env.KIBAN_DATA_DIR ?? './data');
  const port = portFrom(values.port, 'PORT', 8080);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  await assertPortFree(port, host);
  await ensureWebBuilt((m) => logger.info(m));
  const db = await openDb({ url: process.env.DATABASE_URL || undefined, dataDir: path.join(dataDir, 'db') });
  const given = process.env.KIBAN_ADMIN_TOKEN || undefined;
  const adminToken = await issueToken(db, 'admin', 'admin', given);
  let s;
  try {
    s = await startServer({ db, port, host, logger, webDist: webDistDir });
  } catch (err) { await db.close(); throw err; }
  onShutdown(async () => { await s.close(); await db.close(); });
  // The generated secret goes to the terminal only, never into the structured log.
  if (!given) process.stderr.write(`kiban: generated admin token (set KIBAN_ADMIN_TOKEN to choose one): ${adminToken}\n`);
  process.stderr.write(`kiban: serving ${s.url} (db: ${db.kind})\n`);
  return new Promise<number>(() => {});
}

async function migrate(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(MIGRATE_HELP); return 0; }
  const dataDir = path.resolve(values['data-dir'] ?? process.env.KIBAN_DATA_DIR ?? './data');
  const db = await openDb({ url: process.env.DATABASE_URL || undefined, dataDir: path.join(dataDir, 'db') });
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
  console.log(`kiban migrate: ${db.kind} database is up to date (${row.n} migrations applied)`);
  await db.close();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined: case '-h': case '--help': case 'help': console.log(USAGE); return command === undefined ? 1 : 0;
      case '-v': case '--version': console.log(KIBAN_VERSION); return 0;
      case 'demo': return await demo(rest);
      case 'server': return await server(rest);
      case 'migrate': return await migrate(rest);
      case 'collector': { const { runCollectorCli } = await import('../../collector/cli.ts'); await runCollectorCli(rest); return Number(process.exitCode ?? 0); }
      case 'sim': { const { runSimCli } = await import('../../firmware-sims/cli.ts'); await runSimCli(rest); return Number(process.exitCode ?? 0); }
      case 'bench': { const { runBenchCli } = await import('../../bench/index.ts'); return await runBenchCli(rest); }
      default: console.error(`kiban: unknown command "${command}"\n\n${USAGE}`); return 2;
    }
  } catch (err: any) {
    if (err?.constructor?.name === 'PortInUseError') {
      const envName = command === 'sim' ? 'SIM_PORT' : 'PORT';
      console.error(`kiban ${command}: port ${err.port} is already in use (set ${envName} or --port to another port)`);
      return 1;
    }
    if (err instanceof CliError || err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      console.error(`kiban ${command}: ${err.message}`);
      return err instanceof CliError ? 1 : 2;
    }
    console.error(`kiban ${command}: ${err?.message ?? err}`);
    if (process.env.KIBAN_DEBUG) console.error(err);
    return 1;
  }
}
