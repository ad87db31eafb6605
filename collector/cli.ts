/**
 * `kiban collector`: poll devices and ship samples to a Kiban server until SIGINT/SIGTERM.
 */
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KIBAN_VERSION } from '../server/version.ts';
import { FileConfigSource, ServerConfigSource, withStaticTargets, type ConfigSource } from './config-source.ts';
import { runProfileTool } from './profile-tools.ts';
import { startCollector, targetsFromSim, type TargetConfig } from './index.ts';
import { OUTBOX_FULL_POLICIES, type OutboxFullPolicy } from './outbox.ts';

const HELP = `Usage: kiban collector --server URL --token TOKEN [--name NAME] [--config FILE | --sim URL] [options]

Poll devices (SNMP v1/v2c/v3, Modbus TCP and RTU over TCP) and subscribe to MQTT sensors according to their profiles, keep samples in a durable local outbox and send
them to the Kiban server's ingest API.

Where the targets come from:
  (neither --config nor --sim)  central configuration: register with the server as NAME and poll the
                                devices an admin assigned (PUT /api/v1/collectors/NAME/targets); changes
                                apply without restart; the last configuration is cached in the outbox
                                directory so a restart while the server is down still polls
  --config FILE                 a local YAML file, watched: edits apply without restart (an invalid
                                edit is logged and the previous targets stay)
  --sim URL                     the devices a simulator announces (fixed at start)

Options:
  --server URL       Kiban server, e.g. http://127.0.0.1:8080
  --token TOKEN      API token (or env KIBAN_TOKEN; prefer the env var, argv is visible to other users)
  --name NAME        collector name (default: collector-<hostname>); with central configuration the
                     first registration binds the name to the token
  --outbox DIR       outbox directory (default: $KIBAN_DATA_DIR/outbox or ./data/outbox)
  --sim URL          discover targets from a simulator control API, e.g. http://127.0.0.1:8090
  --config FILE      YAML list of targets (or {targets: [...]}); each target:
                       {device, kind, profile, host, port, community?, intervalMs?}
  --interval-ms N    poll interval for targets that do not set one (default 5000)
  --outbox-max-bytes N   disk cap of the outbox (default 1073741824 = 1 GiB)
  --outbox-when-full P   drop-oldest (default: keep the newest data, count what is dropped) or
                         reject-new (keep the oldest, count the samples refused)
  --trap-port N      receive SNMP traps and informs (v1/v2c/v3) on this UDP port, e.g. 162 or 1162 (default off)
  --metrics-port N   serve the collector's own Prometheus /metrics on 127.0.0.1:N (default off)
  --metrics-host H   listen address for --metrics-port (default 127.0.0.1)
  -h, --help         show this help

Profile tools (no server needed):
  kiban collector check <profile>               validate a profile; list its points and Modbus read plan
  kiban collector probe --profile P --host H --port N [...]
                                                poll one device once and print each value and quality
                                                (kiban collector probe --help)
`;

export async function runCollectorCli(argv: string[]): Promise<void> {
  if (argv[0] === 'check' || argv[0] === 'probe') {
    process.exitCode = await runProfileTool(argv);
    return;
  }
  let values;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        name: { type: 'string' },
        outbox: { type: 'string' },
        sim: { type: 'string' },
        config: { type: 'string' },
        'interval-ms': { type: 'string' },
        'outbox-max-bytes': { type: 'string' },
        'outbox-when-full': { type: 'string' },
        'trap-port': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`kiban collector: ${(err as Error).message}\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const fail = (message: string, code = 2) => {
    process.stderr.write(`kiban collector: ${message}\n`);
    process.exitCode = code;
  };

  const token = values.token ?? process.env.KIBAN_TOKEN;
  if (!values.server) return fail('--server URL is required (see --help)');
  if (!token) return fail('a token is required: --token TOKEN or env KIBAN_TOKEN');
  let intervalMs: number | undefined;
  if (values['interval-ms'] !== undefined) {
    intervalMs = Number(values['interval-ms']);
    if (!Number.isInteger(intervalMs) || intervalMs < 100) return fail(`--interval-ms must be an integer >= 100, got '${values['interval-ms']}'`);
  }

  const portOption = (option: 'trap-port' | 'metrics-port'): number | undefined | Error => {
    const raw = values[option];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : new Error(`--${option} must be an integer 1..65535, got '${raw}'`);
  };
  const trapPort = portOption('trap-port');
  if (trapPort instanceof Error) return fail(trapPort.message);
  const metricsPort = portOption('metrics-port');
  if (metricsPort instanceof Error) return fail(metricsPort.message);

  let outboxMaxBytes: number | undefined;
  if (values['outbox-max-bytes'] !== undefined) {
    outboxMaxBytes = Number(values['outbox-max-bytes']);
    if (!Number.isSafeInteger(outboxMaxBytes) || outboxMaxBytes < 1_000_000) return fail(`--outbox-max-bytes must be an integer >= 1000000, got '${values['outbox-max-bytes']}'`);
  }
  const whenFull = values['outbox-when-full'];
  if (whenFull !== undefined && !(OUTBOX_FULL_POLICIES as readonly string[]).includes(whenFull)) {
    return fail(`--outbox-when-full must be one of ${OUTBOX_FULL_POLICIES.join(', ')}, got '${whenFull}'`);
  }


  const outboxDir = resolve(values.outbox ?? join(process.env.KIBAN_DATA_DIR ?? './data', 'outbox'));
  const name = values.name ?? `collector-${hostname().replace(/[^A-Za-z0-9._:-]/g, '-')}`.slice(0, 128);

  let simTargets: TargetConfig[] = [];
  try {
    if (values.sim) simTargets = await targetsFromSim(values.sim);
  } catch (err) {
    return fail((err as Error).message, 1);
  }
  let configSource: ConfigSource | undefined;
  if (values.config) configSource = withStaticTargets(new FileConfigSource({ file: values.config }), simTargets);
  else if (!values.sim) {
    configSource = new ServerConfigSource({ serverUrl: values.server, token, name, cacheDir: outboxDir, version: KIBAN_VERSION, hostname: hostname() });
  }

  let collector;
  try {
    collector = await startCollector({
      name, serverUrl: values.server, token, outboxDir, defaultIntervalMs: intervalMs,
      outbox: { maxBytes: outboxMaxBytes, whenFull: whenFull as OutboxFullPolicy | undefined },
      ...(configSource ? { configSource } : { targets: simTargets }),
      ...(trapPort !== undefined ? { traps: { port: trapPort } } : {}),
      ...(metricsPort !== undefined ? { metrics: { port: metricsPort, ...(values['metrics-host'] ? { host: values['metrics-host'] } : {}) } } : {}),
    });
  } catch (err) {
    return fail((err as Error).message, 1);
  }
  const from = configSource ? configSource.description : `simulator ${values.sim}`;
  process.stdout.write(`kiban collector ${name}: polling ${collector.targets().length} target(s) from ${from} → ${values.server}, outbox ${outboxDir}${collector.metricsUrl ? `, metrics ${collector.metricsUrl}` : ''}${trapPort !== undefined ? `, traps on udp/${trapPort}` : ''}\n`);

  await new Promise<void>((resolveSignal) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveSignal();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await collector.stop();
  const stats = collector.stats();
  process.stdout.write(`kiban collector: stopped (${stats.polls} polls, ${stats.batchesSent} batches sent, ${stats.batchesPending} pending)\n`);
}
