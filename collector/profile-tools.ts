/**
 * Tools for whoever writes or installs a profile at a site:
 *
 *   kiban collector check <profile>       validate a profile file and show what the collector will read
 *   kiban collector probe --profile P --host H --port N [--community C | --unit-id U ...]
 *                                          poll one device once and print every point with value and quality
 *
 * Both print what a person needs to fix a profile: the file, line and field of a mistake; the Modbus read
 * plan (so an unmapped-address exception can be traced to a block); each point's decoded value and quality.
 */
import { parseArgs } from 'node:util';
import { ModbusDriver } from './drivers/modbus/modbus-driver.ts';
import { planReads } from './drivers/modbus/read-plan.ts';
import { WORD_ORDERS } from './drivers/modbus/profile-schema.ts';
import { SnmpDriver } from './drivers/snmp/snmp-driver.ts';
import type { Driver, PollTarget } from './drivers/types.ts';
import { silentLogger } from './logger.ts';
import { loadProfile, ProfileError, type Profile } from './profile.ts';

export const PROFILE_TOOLS_HELP = `Usage:
  kiban collector check <profile>
      Validate a profile (a name in collector/profiles or a path to a YAML file) and list its points;
      for Modbus also the read plan (the requests the collector will send).
  kiban collector probe --profile P --host H --port N [options]
      Poll one device once with the profile and print every point: value, unit and quality.
      --community C      SNMP v1/v2c community (default public)
      --v3-user U --v3-auth-key K --v3-priv-key K   SNMPv3 authPriv (SHA/AES)
      --unit-id N        Modbus unit id (default: the profile's, else 1)
      --word-order O     Modbus word order of this installation: ${WORD_ORDERS.join(', ')}
      --rtu-over-tcp     Modbus RTU frames through a TCP serial gateway
      --timeout-ms N     per request (default 2000)
`;

type Out = { write(s: string): unknown };

function describeProfile(profile: Profile, out: Out): void {
  out.write(`${profile.name}: ${profile.model} (${profile.protocol}, kind ${profile.kind}${profile.vendor ? `, ${profile.vendor}` : ''}) — ${profile.file}\n`);
  const rows = profile.points.map((p) => {
    const where = 'oid' in p ? String(p.oid) : 'address' in p ? `${(p as { table?: string }).table ?? ''}:${String((p as { address: number }).address)}` : 'path' in p ? String((p as { path: string }).path) : '';
    return [p.metric, p.unit || '-', p.kind, p.role ?? '', where];
  });
  table(['metric', 'unit', 'kind', 'role', 'source'], rows, out);
  if (profile.protocol === 'snmp' && profile.tables?.length) {
    for (const t of profile.tables) out.write(`table ${t.name}: ${t.columns.length} column(s) per row (${t.columns.map((c) => c.metric).join(', ')})\n`);
  }
  if (profile.protocol === 'modbus') {
    const plan = planReads(profile.points, { maxGap: profile.maxGap });
    out.write(`read plan: ${plan.length} request(s)\n`);
    for (const b of plan) out.write(`  ${b.table} ${b.start}..${b.start + b.count - 1} (${b.count}) → ${b.points.map((i) => profile.points[i].metric).join(', ')}\n`);
  }
}

function table(header: string[], rows: string[][], out: Out): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  out.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
}

/** Runs `check` or `probe`; returns the process exit code. */
export async function runProfileTool(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: command === 'check',
      options: {
        profile: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, community: { type: 'string' },
        'v3-user': { type: 'string' }, 'v3-auth-key': { type: 'string' }, 'v3-priv-key': { type: 'string' },
        'unit-id': { type: 'string' }, 'word-order': { type: 'string' }, 'rtu-over-tcp': { type: 'boolean' },
        'timeout-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    err.write(`kiban collector ${command}: ${(e as Error).message}\n${PROFILE_TOOLS_HELP}`);
    return 2;
  }
  if (values.help) {
    out.write(PROFILE_TOOLS_HELP);
    return 0;
  }
  const profileName = command === 'check' ? positionals[0] : values.profile;
  if (!profileName) {
    err.write(`kiban collector ${command}: which profile? ${command === 'check' ? 'kiban collector check <profile>' : '--profile P'}\n`);
    return 2;
  }
  let profile: Profile;
  try {
    profile = await loadProfile(profileName);
  } catch (e) {
    err.write(`${e instanceof ProfileError ? '' : 'kiban collector: '}${(e as Error).message}\n`);
    return 1;
  }
  if (command === 'check') {
    describeProfile(profile, out);
    out.write('profile OK\n');
    return 0;
  }

  if (profile.protocol === 'mqtt') {
    err.write(`kiban collector probe: ${profile.name} is an MQTT profile; devices publish, there is nothing to poll (watch the topic ${profile.topic} with mosquitto_sub)\n`);
    return 2;
  }
  const port = Number(values.port);
  if (!values.host || !Number.isInteger(port) || port < 1 || port > 65535) {
    err.write('kiban collector probe: --host H and --port N (1-65535) are required\n');
    return 2;
  }
  const wordOrder = values['word-order'];
  if (wordOrder !== undefined && !(WORD_ORDERS as readonly string[]).includes(wordOrder)) {
    err.write(`kiban collector probe: --word-order must be one of ${WORD_ORDERS.join(', ')}\n`);
    return 2;
  }
  const unitId = values['unit-id'] === undefined ? undefined : Number(values['unit-id']);
  if (unitId !== undefined && !(Number.isInteger(unitId) && unitId >= 0 && unitId <= 255)) {
    err.write('kiban collector probe: --unit-id must be 0-255\n');
    return 2;
  }
  const timeoutMs = values['timeout-ms'] === undefined ? 2000 : Number(values['timeout-ms']);
  const v3 = values['v3-user'] ? { user: values['v3-user'], authKey: values['v3-auth-key'] ?? '', privKey: values['v3-priv-key'] ?? '' } : undefined;
  const target: PollTarget = {
    device: 'probe', host: values.host, port, timeoutMs, retries: 0,
    ...(profile.protocol === 'snmp' ? { community: values.community ?? 'public', ...(v3 ? { v3 } : {}) } : {}),
    ...(unitId !== undefined ? { unitId } : {}),
    ...(wordOrder ? { wordOrder: wordOrder as (typeof WORD_ORDERS)[number] } : {}),
    ...(values['rtu-over-tcp'] ? { transport: 'rtu-over-tcp' as const } : {}),
  };
  const driver: Driver = profile.protocol === 'snmp' ? new SnmpDriver({ logger: silentLogger }) : new ModbusDriver({ logger: silentLogger });
  const started = performance.now();
  try {
    const readings = await driver.poll(target, profile, AbortSignal.timeout(Math.max(timeoutMs * 4, 5000)));
    const ms = Math.round(performance.now() - started);
    const units = new Map(profile.points.map((p) => [p.metric, p.unit]));
    const states = new Map(profile.points.map((p) => [p.metric, p.states]));
    table(['metric', 'value', 'unit', 'quality'], readings.map((r) => {
      const label = r.value !== null ? (states.get(r.metric) ?? r.decl?.states)?.[String(r.value)] : undefined;
      return [r.metric, r.value === null ? '-' : `${r.value}${label ? ` (${label})` : ''}`, units.get(r.metric) ?? r.decl?.unit ?? '', r.quality];
    }), out);
    const bad = readings.filter((r) => r.quality !== 'ok');
    out.write(`${readings.length} point(s) in ${ms} ms; ${bad.length ? `${bad.length} not ok` : 'all ok'}\n`);
    return readings.length > 0 && bad.length === readings.length ? 1 : 0;
  } catch (e) {
    err.write(`kiban collector probe: ${values.host}:${port} did not answer (${(e as Error).message})\n`);
    return 1;
  } finally {
    await driver.close();
  }
}
