/**
 * `kiban sim`: run the simulated data center in the foreground until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { PortInUseError, SIM_DEFAULTS, startSim, type SimOptions } from './index.ts';

const HELP = `Usage: kiban sim [options]

Run a simulated data center on loopback: UPSes (SNMP v2c/v3 UPS-MIB with traps, APC Modbus), rack PDUs
(Raritan PX2 and ServerTech Sentry4 over SNMP), CRAC units (Liebert iCOM Modbus), energy and water meters
(Modbus), rack sensors (MQTT), and the control API (/sim/v1: devices, ground truth, faults).

Options:
  --port N          control API port (env SIM_PORT, default 8090; 0 = any free port)
  --racks N         generate a site with N racks (two PDUs each); default: the 8-rack demo site
  --site FILE       describe the site in a YAML/JSON file instead (see docs/simulators.md)
  --speed X         simulated seconds per real second (default 1; 60 builds an hour of history a minute)
  --seed N          seed of the physics (default ${SIM_DEFAULTS.seed}); same seed, same site and readings
  --tick-ms N       physics tick; values are constant between ticks (default ${SIM_DEFAULTS.tickMs})
  --mqtt URL        MQTT broker for rack sensors (env MQTT_URL; default: an embedded broker on a free port)
  --snmp-port N     UDP port of the first UPS agent (env SIM_SNMP_PORT; default any free port)
  --pdu-base-port N UDP port of the first PDU, the others follow (default: free ports)
  --trap HOST:PORT[,inform][,v3]
                    send UPS notifications to this receiver (repeatable): v2c traps, or informs
                    and/or SNMPv3 authPriv as the agents' v3 user, e.g. --trap 127.0.0.1:1162,inform,v3
  --host ADDR       address to bind (default 127.0.0.1)
  --community S     SNMP v2c read community (default public)
  -h, --help        show this help
`;

class UsageError extends Error {}

function integerOption(name: string, raw: string | undefined, fallback: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  return value;
}

function parseTrap(raw: string) {
  const [address, ...flags] = raw.split(',');
  const m = /^(.+):(\d+)$/.exec(address);
  const unknown = flags.filter((f) => f !== 'inform' && f !== 'v3');
  if (!m || unknown.length) throw new UsageError(`--trap must be HOST:PORT[,inform][,v3], got '${raw}'`);
  return {
    host: m[1], port: Number(m[2]),
    ...(flags.includes('inform') ? { notify: 'inform' as const } : {}),
    ...(flags.includes('v3') ? { version: '3' as const } : {}),
  };
}

export async function runSimCli(argv: string[]): Promise<void> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string' }, racks: { type: 'string' }, site: { type: 'string' }, speed: { type: 'string' },
        seed: { type: 'string' }, 'tick-ms': { type: 'string' }, mqtt: { type: 'string' }, 'snmp-port': { type: 'string' },
        'pdu-base-port': { type: 'string' }, trap: { type: 'string', multiple: true }, host: { type: 'string' },
        community: { type: 'string' }, help: { type: 'boolean', short: 'h' },
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

  let config: SimOptions;
  try {
    const speed = options.speed === undefined ? SIM_DEFAULTS.speed : Number(options.speed);
    if (!(speed > 0 && speed <= 100_000)) throw new UsageError(`--speed must be a number > 0 and ≤ 100000, got '${options.speed}'`);
    if (options.racks !== undefined && options.site !== undefined) throw new UsageError('give either --racks or --site, not both');
    config = {
      host: options.host ?? SIM_DEFAULTS.host,
      controlPort: integerOption('port', options.port ?? process.env.SIM_PORT, 8090, 0, 65535),
      snmpPort: integerOption('snmp-port', options['snmp-port'] ?? process.env.SIM_SNMP_PORT, 0, 0, 65535),
      pduBasePort: integerOption('pdu-base-port', options['pdu-base-port'], 0, 0, 65535),
      racks: integerOption('racks', options.racks, undefined, 1, 20_000),
      siteFile: options.site,
      community: options.community ?? SIM_DEFAULTS.community,
      seed: integerOption('seed', options.seed, undefined),
      tickMs: integerOption('tick-ms', options['tick-ms'], SIM_DEFAULTS.tickMs, 1),
      speed,
      mqttUrl: options.mqtt ?? (process.env.MQTT_URL || undefined),
      trapReceivers: (options.trap ?? []).map(parseTrap),
    };
  } catch (err) {
    process.stderr.write(`kiban sim: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }

  const startedAt = Date.now();
  let sim;
  try {
    sim = await startSim(config);
  } catch (err) {
    if (err instanceof PortInUseError) {
      const hint = err.transport === 'tcp' ? 'set SIM_PORT or --port' : 'set SIM_SNMP_PORT or --snmp-port';
      process.stderr.write(`kiban sim: ${err.transport === 'udp' ? 'UDP ' : ''}port ${err.port} is already in use (${hint})\n`);
    } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`kiban sim: port ${config.controlPort} is already in use (set SIM_PORT or --port)\n`);
    } else {
      process.stderr.write(`kiban sim: ${(err as Error).message}\n`);
    }
    process.exitCode = 1;
    return;
  }

  const count = (kind: string) => sim.devices.filter((d) => d.kind === kind).length;
  const ups = sim.devices.find((d) => d.kind === 'ups' && d.protocol === 'snmp');
  const lines = [
    `kiban sim: ${sim.spec.name}: ${sim.spec.racks.length} racks, ${count('ups')} UPS endpoints, ${count('pdu')} PDUs, ${count('crac')} CRACs, ${count('meter')} meters, ${count('sensor')} rack sensors (started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`,
    `  control API  ${sim.controlUrl}/sim/v1   devices: ${sim.controlUrl}/sim/v1/devices   faults: POST ${sim.controlUrl}/sim/v1/faults`,
    `  MQTT broker  ${sim.mqttUrl}`,
  ];
  if (sim.devices.length <= 60) {
    for (const d of sim.devices) lines.push(`  ${d.id.padEnd(22)} ${d.kind.padEnd(6)} ${d.protocol.padEnd(6)} ${d.protocol === 'mqtt' ? d.mqtt?.topic : `${d.host}:${d.port}`}  ${d.profile}`);
  }
  if (ups) lines.push(`  try: snmpget -v2c -c ${config.community} -Oqv ${ups.host}:${ups.port} 1.3.6.1.2.1.33.1.4.4.1.4.1   # ${ups.id} output power, W`);
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
