/**
 * `kiban sim`: run the device simulators in the foreground until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { PortInUseError, SIM_DEFAULTS, startSim } from './index.ts';

const HELP = `Usage: kiban sim [options]

Run simulated data-center devices on loopback (an RFC 1628 UPS over SNMP v2c) and the simulator
control API (/sim/v1: devices, ground truth).

Options:
  --port N        control API port (env SIM_PORT, default 8090; 0 = any free port)
  --snmp-port N   UDP port of the simulated UPS (env SIM_SNMP_PORT, default 1161; 0 = any free port)
  --host ADDR     address to bind (default 127.0.0.1)
  --community S   SNMP v2c community (default public)
  --seed N        seed of the load model's noise (default ${SIM_DEFAULTS.seed})
  --tick-ms N     physics tick; values are constant between ticks (default ${SIM_DEFAULTS.tickMs})
  --rated-w N     UPS rated output power in W (default ${SIM_DEFAULTS.ratedW})
  -h, --help      show this help
`;

class UsageError extends Error {}

function integerOption(name: string, raw: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  return value;
}

export async function runSimCli(argv: string[]): Promise<void> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'snmp-port': { type: 'string' },
        host: { type: 'string' },
        community: { type: 'string' },
        seed: { type: 'string' },
        'tick-ms': { type: 'string' },
        'rated-w': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`kiban sim: ${(err as Error).message}\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }

  let config;
  try {
    config = {
      host: options.host ?? SIM_DEFAULTS.host,
      controlPort: integerOption('port', options.port ?? process.env.SIM_PORT, 8090, 0, 65535),
      snmpPort: integerOption('snmp-port', options['snmp-port'] ?? process.env.SIM_SNMP_PORT, 1161, 0, 65535),
      community: options.community ?? SIM_DEFAULTS.community,
      seed: integerOption('seed', options.seed, SIM_DEFAULTS.seed),
      tickMs: integerOption('tick-ms', options['tick-ms'], SIM_DEFAULTS.tickMs, 1),
      ratedW: integerOption('rated-w', options['rated-w'], SIM_DEFAULTS.ratedW, 1),
    };
  } catch (err) {
    process.stderr.write(`kiban sim: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }

  let sim;
  try {
    sim = await startSim(config);
  } catch (err) {
    if (err instanceof PortInUseError) {
      const hint = err.transport === 'tcp' ? 'set SIM_PORT or --port' : 'set SIM_SNMP_PORT or --snmp-port';
      process.stderr.write(`kiban sim: ${err.transport === 'udp' ? 'UDP ' : ''}port ${err.port} is already in use (${hint})\n`);
    } else {
      process.stderr.write(`kiban sim: ${(err as Error).message}\n`);
    }
    process.exitCode = 1;
    return;
  }

  const lines = [`kiban sim: control API ${sim.controlUrl}/sim/v1 (devices: ${sim.controlUrl}/sim/v1/devices)`];
  for (const d of sim.devices) {
    lines.push(`  ${d.id}  ${d.kind} ${d.protocol} v${d.snmp.version} ${d.host}:${d.port} community=${d.snmp.community} profile=${d.profile}  (${d.vendor} ${d.model})`);
  }
  lines.push(`  try: snmpget -v2c -c ${config.community} -Oqv ${sim.devices[0].host}:${sim.devices[0].port} 1.3.6.1.2.1.33.1.4.4.1.4.1   # UPS output power, W`);
  lines.push('Press Ctrl+C to stop.');
  process.stdout.write(lines.join('\n') + '\n');

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await sim.stop();
  process.stdout.write('kiban sim: stopped\n');
}
