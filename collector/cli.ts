/**
 * `kiban collector`: poll devices and ship samples to a Kiban server until SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { startCollector, targetConfigSchema, targetsFromSim, type TargetConfig } from './index.ts';

const HELP = `Usage: kiban collector --server URL --token TOKEN [options]

Poll devices (SNMP v1/v2c/v3, Modbus TCP and RTU over TCP) and subscribe to MQTT sensors according to their profiles, keep samples in a durable local outbox and send
them to the Kiban server's ingest API.

Options:
  --server URL       Kiban server, e.g. http://127.0.0.1:8080
  --token TOKEN      API token (or env KIBAN_TOKEN; prefer the env var, argv is visible to other users)
  --name NAME        collector name (default: collector-<hostname>)
  --outbox DIR       outbox directory (default: $KIBAN_DATA_DIR/outbox or ./data/outbox)
  --sim URL          discover targets from a simulator control API, e.g. http://127.0.0.1:8090
  --config FILE      YAML list of targets (or {targets: [...]}); each target:
                       {device, kind, profile, host, port, community?, intervalMs?}
  --interval-ms N    poll interval for targets that do not set one (default 5000)
  -h, --help         show this help
`;

const configFileSchema = z.union([z.array(targetConfigSchema), z.object({ targets: z.array(targetConfigSchema) })]);

async function targetsFromFile(file: string): Promise<TargetConfig[]> {
  const text = await readFile(file, 'utf8');
  const result = configFileSchema.safeParse(parseYaml(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${file}: ${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(root)'}: ${issue.message}`);
  }
  return Array.isArray(result.data) ? result.data : result.data.targets;
}

export async function runCollectorCli(argv: string[]): Promise<void> {
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
  if (!values.sim && !values.config) return fail('no targets: give --sim URL and/or --config FILE');
  let intervalMs: number | undefined;
  if (values['interval-ms'] !== undefined) {
    intervalMs = Number(values['interval-ms']);
    if (!Number.isInteger(intervalMs) || intervalMs < 100) return fail(`--interval-ms must be an integer >= 100, got '${values['interval-ms']}'`);
  }

  let targets: TargetConfig[] = [];
  try {
    if (values.config) targets.push(...await targetsFromFile(values.config));
    if (values.sim) targets.push(...await targetsFromSim(values.sim));
  } catch (err) {
    return fail((err as Error).message, 1);
  }
  if (intervalMs !== undefined) targets = targets.map((t) => ({ ...t, intervalMs: t.intervalMs ?? intervalMs }));

  const outboxDir = resolve(values.outbox ?? join(process.env.KIBAN_DATA_DIR ?? './data', 'outbox'));
  const name = values.name ?? `collector-${hostname().replace(/[^A-Za-z0-9._:-]/g, '-')}`.slice(0, 128);

  let collector;
  try {
    collector = await startCollector({ name, serverUrl: values.server, token, outboxDir, targets });
  } catch (err) {
    return fail((err as Error).message, 1);
  }
  process.stdout.write(`kiban collector ${name}: polling ${targets.length} target(s) → ${values.server}, outbox ${outboxDir}\n`);

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
