/**
 * `kiban bench poll`: how many readings per second the Kiban collector polls out of the simulated fleet
 * (SNMP PDUs and UPSes, Modbus UPSes, CRACs and meters) and how much CPU that costs, side by side in the
 * same run with Prometheus snmp_exporter and collectd reading the same devices and the same OIDs/registers.
 *
 * Every tool runs as its own process and only its own CPU is counted (utime+stime of all its threads from
 * /proc/<pid>/stat over a fixed window after a warm-up); the simulator runs in another process, and the
 * bench process (which stands in for the Kiban server, the Prometheus server and collectd's network peer)
 * only counts what arrives. All three poll every device once per interval, as each would in production:
 *   - Kiban: the real `kiban collector` (scheduler, SNMP/Modbus drivers, decode, sample building, durable
 *     outbox with fsync, uplink) with its uplink pointed at an ingest sink in this process;
 *   - snmp_exporter: a generated snmp.yml module per profile (walk the profile's table columns and sibling
 *     columns, get its scalars); this process scrapes /snmp?target=…&module=… for every SNMP device once per
 *     interval, spread over the interval as Prometheus does (snmp_exporter reads no Modbus);
 *   - collectd: snmp plugin (one Data block per walked column, BulkSize = the profile's max-repetitions,
 *     one per scalar) and modbus plugin (one Data block per register point), written by the network plugin
 *     to a UDP socket here.
 * Points are values decoded from the devices' answers: one per varbind (SNMP) or register point (Modbus).
 * The three tools read the same varbinds, so the count per device poll is the same for all of them; Kiban
 * folds sibling columns (Raritan decimal digits, availability) into fewer stored samples, reported too.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as snmp from 'net-snmp';
import { columnsToWalk } from '../collector/drivers/snmp/tables.ts';
import { loadProfile, resolveProfilePath, type Profile } from '../collector/profile.ts';
import type { Bench, BenchResult } from './index.ts';

const KIBAN_CLI = fileURLToPath(new URL('../server/cli/kiban.mjs', import.meta.url));
const TARGET_POINTS_PER_S = 100_000;
const COLLECTD_MAX_HOSTS = 800;
type Tool = 'kiban' | 'snmp_exporter' | 'collectd';

interface SimDevice {
  id: string; kind: string; protocol: string; host: string; port: number; profile: string;
  snmp?: { community?: string }; modbus?: { unitId?: number; wordOrder?: string };
}

interface BenchPlan {
  racks: number;
  intervalMs: number;
  warmupMs: number;
  windowMs: number;
  tools: Tool[];
  /** Kiban outbox directories to measure: on disk (realistic) and, optionally, on tmpfs. */
  outboxes: Array<{ label: string; base: string }>;
}

export interface ToolResult {
  tool: string;
  version: string;
  devices: number;
  /** Values decoded from device answers (varbinds, register points) per second. */
  pointsPerS: number;
  /** What the tool emitted per second (Kiban: stored samples with a value; the others: one per value). */
  samplesPerS: number;
  cpuS: number;
  windowS: number;
  cpuSPerMillionPoints: number;
  /** Device polls completed per second vs offered. */
  devicePollsPerS: number;
  offeredDevicePollsPerS: number;
  simCpuShare: number;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------
// processes and CPU accounting

const CLK_TCK = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; }
})();

/** utime + stime of every thread of `pid`, in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** `<name> <version>` from the tool's own version output (plus the Debian package version when there is one). */
function toolVersion(exe: string, args: string[], pattern: RegExp, name: string): string {
  const out = spawnSync(exe, args, { encoding: 'utf8' });
  const version = pattern.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown';
  const pkg = spawnSync('dpkg-query', ['-S', exe], { encoding: 'utf8' }).stdout?.split(':')[0];
  const deb = pkg ? spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).stdout : '';
  return `${name} ${version}${deb ? ` (Debian ${pkg} ${deb})` : ''}`;
}

function findExecutable(names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/sbin'];
  for (const name of names) for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Rejects after `ms` without keeping the process alive (for races against a child that may hang). */
const failAfter = (ms: number, message: string) => new Promise<never>((_, reject) => { setTimeout(() => reject(new Error(message)), ms).unref(); });

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

class Child {
  readonly proc: ChildProcess;
  private stderrTail = '';
  readonly exited: Promise<number | null>;
  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env, onStdout?: (chunk: string) => void) {
    this.proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => onStdout?.(c));
    const logFile = process.env.KIBAN_BENCH_POLL_LOG_DIR ? join(process.env.KIBAN_BENCH_POLL_LOG_DIR, `${name.replace(/\W+/g, '-')}.stderr.log`) : undefined;
    this.proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderrTail = (this.stderrTail + c).slice(-4000);
      if (logFile) appendFileSync(logFile, c);
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }
  get pid(): number { return this.proc.pid!; }
  get stderr(): string { return this.stderrTail; }
  get alive(): boolean { return this.proc.exitCode === null && this.proc.signalCode === null; }
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.proc.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => { setTimeout(() => r(false), timeoutMs).unref(); })]);
    if (!done && this.alive) { this.proc.kill('SIGKILL'); await this.exited; }
  }
}

/** The simulator in its own process: `kiban sim --racks N`, its control URL parsed from its banner. */
async function startSimProcess(racks: number): Promise<{ child: Child; controlUrl: string }> {
  let out = '';
  let resolveUrl: (url: string) => void;
  const urlSeen = new Promise<string>((r) => { resolveUrl = r; });
  const child = new Child('sim', process.execPath, [KIBAN_CLI, 'sim', '--racks', String(racks), '--port', '0', '--tick-ms', '5000'], process.env, (chunk) => {
    out += chunk;
    const m = /control API\s+(http:\/\/\S+?)\/sim\/v1/.exec(out);
    if (m && out.includes('Press Ctrl+C')) resolveUrl(m[1]);
  });
  const url = await Promise.race([
    urlSeen,
    child.exited.then((code) => { throw new Error(`kiban sim exited (${code}) before it was ready: ${child.stderr}`); }),
    failAfter(120_000, 'kiban sim did not start within 120 s'),
  ]);
  return { child, controlUrl: url };
}

// ---------------------------------------------------------------------------------------------------------
// what one poll of each profile reads

interface ProfileReads {
  profile: Profile;
  /** Values one poll decodes (varbinds of the scalars and walked columns; Modbus register points). */
  valuesPerPoll: number;
}

async function referenceSnmpValues(device: SimDevice, profile: Extract<Profile, { protocol: 'snmp' }>): Promise<number> {
  const session = snmp.createSession(device.host, device.snmp?.community ?? 'public', { port: device.port, version: snmp.Version2c, timeout: 5000, retries: 2 });
  try {
    let values = await new Promise<number>((resolve, reject) => session.get(profile.points.map((p) => p.oid), (err, vbs) => (err ? reject(err) : resolve((vbs ?? []).filter((vb) => !snmp.isVarbindError(vb)).length))));
    for (const column of columnsToWalk(profile.tables ?? [])) {
      values += await new Promise<number>((resolve, reject) => {
        let n = 0;
        session.subtree(column, profile.maxRepetitions ?? 25, (vbs: snmp.Varbind[]) => { n += vbs.length; }, (err?: Error | null) => (err ? reject(err) : resolve(n)));
      });
    }
    return values;
  } finally {
    session.close();
  }
}

async function profileReads(devices: SimDevice[]): Promise<Map<string, ProfileReads>> {
  const reads = new Map<string, ProfileReads>();
  for (const d of devices) {
    if (reads.has(d.profile)) continue;
    const profile = await loadProfile(d.profile);
    let valuesPerPoll: number;
    if (profile.protocol === 'snmp') valuesPerPoll = await referenceSnmpValues(d, profile);
    else if (profile.protocol === 'modbus') valuesPerPoll = profile.points.filter((p) => p.type !== 'string').length;
    else continue;
    reads.set(d.profile, { profile, valuesPerPoll });
  }
  return reads;
}

// ---------------------------------------------------------------------------------------------------------
// peer configurations, generated from the collector profiles (same OIDs, same registers)

const metricIdent = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, '_');

/** snmp_exporter 0.21 module (the `snmp.yml` format of that release) for one SNMP profile. */
export function snmpExporterModule(profile: Extract<Profile, { protocol: 'snmp' }>, opts: { community: string; timeoutS: number }): string {
  const lines: string[] = [`${metricIdent(profile.name)}:`];
  const tables = profile.tables ?? [];
  const walk = columnsToWalk(tables);
  lines.push('  walk:', ...walk.map((o) => `  - ${o}`));
  lines.push('  get:', ...profile.points.map((p) => `  - ${p.oid}`));
  lines.push('  metrics:');
  const indexOf = new Map<string, string[]>();
  for (const t of tables) for (const oid of columnsToWalk([t])) if (!indexOf.has(oid)) indexOf.set(oid, t.index);
  for (const oid of walk) {
    lines.push(`  - name: c_${oid.replace(/\./g, '_')}`, `    oid: ${oid}`, '    type: gauge', `    help: column ${oid}`, '    indexes:');
    for (const label of indexOf.get(oid) ?? ['index']) lines.push(`    - labelname: ${label}`, '      type: gauge');
  }
  for (const p of profile.points) {
    const scalar = p.oid.endsWith('.0');
    const base = p.oid.slice(0, p.oid.lastIndexOf('.'));
    lines.push(`  - name: ${metricIdent(p.metric)}`, `    oid: ${base}`, '    type: gauge', `    help: ${p.metric}`);
    if (!scalar) lines.push('    indexes:', '    - labelname: index', '      type: gauge');
  }
  lines.push('  version: 2', `  max_repetitions: ${profile.maxRepetitions ?? 25}`, '  retries: 1', `  timeout: ${opts.timeoutS}s`, '  auth:', `    community: ${opts.community}`);
  return lines.join('\n');
}

const COLLECTD_MODBUS_TYPE: Record<string, Record<string, string>> = {
  ABCD: { u16: 'Uint16', s16: 'Int16', bitfield: 'Uint16', u32: 'Uint32', s32: 'Int32', f32: 'Float', u64: 'UInt64' },
  CDAB: { u16: 'Uint16', s16: 'Int16', bitfield: 'Uint16', u32: 'Uint32LE', s32: 'Int32LE', f32: 'FloatLE' },
};

/** collectd.conf: snmp plugin (walked columns, scalars) and modbus plugin (register points), network out. */
export function collectdConfig(opts: {
  dir: string; intervalS: number; timeoutS: number; networkPort: number; readThreads: number;
  devices: SimDevice[]; reads: Map<string, ProfileReads>;
}): { conf: string; skipped: string[] } {
  const skipped: string[] = [];
  const snmpData: string[] = [];
  const modbusData: string[] = [];
  const dataNames = new Map<string, string[]>();
  for (const [name, { profile }] of opts.reads) {
    const names: string[] = [];
    if (profile.protocol === 'snmp') {
      columnsToWalk(profile.tables ?? []).forEach((oid, i) => {
        const n = `${name}-col${i}`;
        names.push(n);
        snmpData.push(`  <Data "${n}">\n    Type "gauge"\n    Table true\n    Values "${oid}"\n  </Data>`);
      });
      profile.points.forEach((p, i) => {
        const n = `${name}-pt${i}`;
        names.push(n);
        snmpData.push(`  <Data "${n}">\n    Type "gauge"\n    Table false\n    TypeInstance "${p.metric}"\n    Values "${p.oid}"\n  </Data>`);
      });
    } else if (profile.protocol === 'modbus') {
      for (const order of ['ABCD', 'CDAB']) {
        profile.points.forEach((p, i) => {
          if (p.type === 'string') return;
          const type = COLLECTD_MODBUS_TYPE[order][p.type];
          if (!type || (p.table !== 'holding' && p.table !== 'input')) { if (order === 'ABCD') skipped.push(`${name} ${p.metric} (${p.table} ${p.type})`); return; }
          const n = `${name}-${order}-pt${i}`;
          if (order === 'ABCD') names.push(`${name}-pt${i}`);
          modbusData.push(`  <Data "${n}">\n    RegisterBase ${p.address}\n    RegisterType ${type}\n    RegisterCmd ${p.table === 'holding' ? 'ReadHolding' : 'ReadInput'}\n    Type "gauge"\n    Instance "${p.metric}"\n  </Data>`);
        });
      }
    }
    dataNames.set(name, names);
  }
  const snmpHosts: string[] = [];
  const modbusHosts: string[] = [];
  for (const d of opts.devices) {
    const names = dataNames.get(d.profile);
    const reads = opts.reads.get(d.profile);
    if (!names || !reads) continue;
    if (d.protocol === 'snmp') {
      snmpHosts.push(`  <Host "${d.id}">\n    Address "${d.host}:${d.port}"\n    Version 2\n    Community "${d.snmp?.community ?? 'public'}"\n    Collect ${names.map((n) => `"${n}"`).join(' ')}\n    Interval ${opts.intervalS}\n    Timeout ${opts.timeoutS}\n    Retries 1\n    BulkSize ${reads.profile.protocol === 'snmp' ? reads.profile.maxRepetitions ?? 25 : 25}\n  </Host>`);
    } else if (d.protocol === 'modbus') {
      const order = d.modbus?.wordOrder ?? (reads.profile.protocol === 'modbus' ? reads.profile.wordOrder : undefined) ?? 'ABCD';
      const collect = names.map((n) => n.replace(/-pt(\d+)$/, `-${order}-pt$1`));
      modbusHosts.push(`  <Host "${d.id}">\n    Address "${d.host}"\n    Port "${d.port}"\n    Interval ${opts.intervalS}\n    <Slave ${d.modbus?.unitId ?? 1}>\n      Instance "${d.id}"\n${collect.map((n) => `      Collect "${n}"`).join('\n')}\n    </Slave>\n  </Host>`);
    }
  }
  const conf = `# Generated by kiban bench poll from the collector profiles.
Hostname "kiban-bench"
FQDNLookup false
BaseDir "${opts.dir}"
PIDFile "${opts.dir}/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
Interval ${opts.intervalS}
Timeout 2
ReadThreads ${opts.readThreads}
WriteThreads 2
LoadPlugin logfile
<Plugin logfile>
  LogLevel "warning"
  File STDERR
</Plugin>
LoadPlugin network
<Plugin network>
  Server "127.0.0.1" "${opts.networkPort}"
</Plugin>
LoadPlugin snmp
<Plugin snmp>
${snmpData.join('\n')}
${snmpHosts.join('\n')}
</Plugin>
${modbusHosts.length ? `LoadPlugin modbus\n<Plugin modbus>\n${modbusData.join('\n')}\n${modbusHosts.join('\n')}\n</Plugin>\n` : ''}`;
  return { conf, skipped };
}

// ---------------------------------------------------------------------------------------------------------
// counting what each tool produces

/** Counts by the second a value belongs to (Kiban: the poll's timestamp; others: arrival). */
class SecondCounter {
  private readonly bySecond = new Map<number, number>();
  add(ms: number, n = 1): void {
    const s = Math.floor(ms / 1000);
    this.bySecond.set(s, (this.bySecond.get(s) ?? 0) + n);
  }
  /** Sum over [fromMs, toMs), prorating the partial seconds at both ends. */
  between(fromMs: number, toMs: number): number {
    let total = 0;
    for (const [s, n] of this.bySecond) {
      const overlap = Math.min(toMs, (s + 1) * 1000) - Math.max(fromMs, s * 1000);
      if (overlap > 0) total += (n * overlap) / 1000;
    }
    return total;
  }
}

interface IngestBatchLike { batchId?: string; samples?: Array<{ point: string; ts: string; value: number | null; quality: string }> }

/**
 * What the Kiban collector produced, counted by each sample's poll timestamp (so a backlog in the outbox
 * does not hide polling work done in the window), and what reached the sink, counted on arrival.
 */
class SampleTally {
  readonly samples = new SecondCounter();
  readonly withValue = new SecondCounter();
  readonly values = new SecondCounter();
  readonly polls = new SecondCounter();
  readonly delivered = new SecondCounter();
  readonly qualities = new Map<string, number>();
  readonly batches = new Set<string>();
  private readonly tsCache = new Map<string, number>();
  ageSumMs = 0;
  ageCount = 0;
  constructor(private readonly profileOf: Map<string, string>, private readonly reads: Map<string, ProfileReads>) {}

  /** Device poll (`device|ts`) → the batch that first carried it: a poll is counted from one batch only,
   * so a batch the outbox merged for backfill (new id, same samples) or one both delivered and left on disk
   * counts once. A poll split over two batches loses the second part: a few samples in 5,000. */
  private readonly pollOwner = new Map<string, string>();
  private anonymous = 0;
  /** Self-monitoring samples seen (not counted as readings). */
  selfMonitoring = 0;
  /** Device → poll timestamps counted, to check that no device was polled more often than its interval. */
  readonly pollTimes = new Map<string, number[]>();

  /** Devices with more polls in [t0, t1) than their interval allows, the worst first (a sanity check on the count). */
  overpolled(t0: number, t1: number, intervalMs: number): Array<{ device: string; polls: number; ts: string[] }> {
    const allowed = Math.ceil((t1 - t0) / intervalMs) + 1;
    const out: Array<{ device: string; polls: number; ts: string[] }> = [];
    for (const [device, times] of this.pollTimes) {
      const inside = times.filter((t) => t >= t0 && t < t1).sort((a, b) => a - b);
      if (inside.length > allowed) out.push({ device, polls: inside.length, ts: inside.map((t) => new Date(t).toISOString().slice(11, 23)) });
    }
    return out.sort((a, b) => b.polls - a.polls);
  }

  count(batch: IngestBatchLike, arrivedMs?: number): void {
    const id = batch.batchId ?? `anonymous-${this.anonymous++}`;
    if (this.batches.has(id)) return;
    this.batches.add(id);
    for (const s of batch.samples ?? []) {
      let ms = this.tsCache.get(s.ts);
      if (ms === undefined) { ms = Date.parse(s.ts); this.tsCache.set(s.ts, ms); if (this.tsCache.size > 100_000) this.tsCache.clear(); }
      if (arrivedMs !== undefined) { this.delivered.add(arrivedMs); this.ageSumMs += arrivedMs - ms; this.ageCount++; }
      const slash = s.point.indexOf('/');
      const device = s.point.slice(0, slash);
      // The collector's self-monitoring (`<device>/collector.poll.latency`, `…errors`, every 15 s at their own
      // time) is not a reading of the device: counted as a poll, it would add a whole poll's values.
      if (s.point.startsWith('collector.', slash + 1)) { this.selfMonitoring++; continue; }
      const key = `${device}|${s.ts}`;
      const owner = this.pollOwner.get(key);
      if (owner !== undefined && owner !== id) continue;
      this.samples.add(ms);
      this.qualities.set(s.quality, (this.qualities.get(s.quality) ?? 0) + 1);
      if (s.value !== null) this.withValue.add(ms);
      if (owner !== undefined || s.quality === 'comm_loss') continue;
      this.pollOwner.set(key, id);
      this.polls.add(ms);
      let times = this.pollTimes.get(device);
      if (!times) this.pollTimes.set(device, (times = []));
      times.push(ms);
      this.values.add(ms, this.reads.get(this.profileOf.get(device) ?? '')?.valuesPerPoll ?? 0);
    }
  }

  /** Batches still in the outbox after the collector stopped (not delivered). */
  countOutbox(dir: string): number {
    let files = 0;
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (!name.endsWith('.json')) continue;
      try {
        const batch = JSON.parse(readFileSync(join(dir, name), 'utf8')) as IngestBatchLike;
        if (!Array.isArray(batch.samples)) continue;
        this.count(batch);
        files++;
      } catch { /* not a batch */ }
    }
    return files;
  }
}

/** The Kiban server's ingest route, reduced to counting. */
async function startIngestSink(tally: SampleTally): Promise<{ server: Server; url: string; first: Promise<void> }> {
  let markFirst: () => void;
  const first = new Promise<void>((r) => { markFirst = r; });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        tally.count(JSON.parse(Buffer.concat(chunks).toString('utf8')) as IngestBatchLike, Date.now());
        markFirst();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":true}');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'bad_request', message: (err as Error).message } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, first };
}


// ---------------------------------------------------------------------------------------------------------
// the three phases

interface Window { t0: number; t1: number; cpu: number; simCpu: number }

async function measureWindow(pid: number | number[], simPid: number, plan: BenchPlan): Promise<Window> {
  const pids = Array.isArray(pid) ? pid : [pid];
  const cpu = () => pids.reduce((sum, p) => sum + processCpuSeconds(p), 0);
  const t0 = Date.now();
  const c0 = cpu();
  const s0 = processCpuSeconds(simPid);
  await sleep(plan.windowMs);
  const t1 = Date.now();
  return { t0, t1, cpu: cpu() - c0, simCpu: processCpuSeconds(simPid) - s0 };
}

function result(tool: string, version: string, devices: number, plan: BenchPlan, w: Window, points: number, samples: number, polls: number, notes: string[]): ToolResult {
  const windowS = (w.t1 - w.t0) / 1000;
  return {
    tool, version, devices,
    pointsPerS: Math.round(points / windowS),
    samplesPerS: Math.round(samples / windowS),
    cpuS: Number(w.cpu.toFixed(2)),
    windowS: Number(windowS.toFixed(1)),
    cpuSPerMillionPoints: points > 0 ? Number(((w.cpu / points) * 1e6).toFixed(2)) : Number.NaN,
    devicePollsPerS: Number((polls / windowS).toFixed(1)),
    offeredDevicePollsPerS: Number((devices / (plan.intervalMs / 1000)).toFixed(1)),
    simCpuShare: Number((w.simCpu / windowS).toFixed(2)),
    notes,
  };
}

function kibanVersion(): string {
  try { return `kiban ${JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')).version}, node ${process.version}`; } catch { return `kiban, node ${process.version}`; }
}

async function runKiban(devices: SimDevice[], reads: Map<string, ProfileReads>, plan: BenchPlan, simPid: number, outboxBase: string, label: string, log: (m: string) => void): Promise<ToolResult> {
  const targets = devices.map((d) => ({
    device: d.id, kind: d.kind, profile: d.profile, host: d.host, port: d.port, intervalMs: plan.intervalMs,
    ...(d.protocol === 'snmp' ? { community: d.snmp?.community ?? 'public' } : {}),
    ...(d.protocol === 'modbus' && d.modbus?.unitId !== undefined ? { unitId: d.modbus.unitId } : {}),
    ...(d.protocol === 'modbus' && d.modbus?.wordOrder ? { wordOrder: d.modbus.wordOrder } : {}),
  }));
  await mkdir(outboxBase, { recursive: true });
  const dir = await mkdtemp(join(outboxBase, 'kiban-bench-poll-'));
  const configFile = join(dir, 'targets.json');
  await writeFile(configFile, JSON.stringify({ targets }));
  const tally = new SampleTally(new Map(devices.map((d) => [d.id, d.profile])), reads);
  const sink = await startIngestSink(tally);
  // KIBAN_BENCH_POLL_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the collector under this load.
  const nodeArgs = (process.env.KIBAN_BENCH_POLL_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const outboxDir = join(dir, 'outbox');
  const child = new Child('kiban collector', process.execPath, [...nodeArgs, KIBAN_CLI, 'collector', '--server', sink.url, '--name', 'bench-poll', '--outbox', outboxDir, '--config', configFile], { ...process.env, KIBAN_TOKEN: 'bench' });
  try {
    await Promise.race([sink.first, child.exited.then((c) => { throw new Error(`kiban collector exited (${c}): ${child.stderr}`); }), failAfter(60_000, 'no samples from the collector within 60 s')]);
    await sleep(plan.warmupMs);
    const w = await measureWindow(child.pid, simPid, plan);
    const ageS = tally.ageCount ? tally.ageSumMs / tally.ageCount / 1000 : 0;
    const deliveredPerS = Math.round(tally.delivered.between(w.t0, w.t1) / ((w.t1 - w.t0) / 1000));
    // Polls started in the window finish, then the collector stops (sealing what it holds); what the uplink
    // had not delivered by then is still in the outbox and counted from there.
    await sleep(Math.min(plan.intervalMs, 5000));
    await child.stop(30_000);
    const left = tally.countOutbox(outboxDir);
    const notes: string[] = [
      `delivered to the sink ${deliveredPerS} samples/s, ${ageS.toFixed(1)} s after the poll started (mean); ${left} batches left in the outbox`,
    ];
    const overruns = (child.stderr.match(/skipped slots|no free poll slot/g) ?? []).length;
    if (overruns) notes.push(`${overruns} overrun/no-slot warnings in the log tail`);
    notes.push(`sample qualities ${JSON.stringify(Object.fromEntries(tally.qualities))}`);
    const over = tally.overpolled(w.t0, w.t1, plan.intervalMs);
    if (over.length > 0) notes.push(`${over.length} devices counted with more polls in the window than their interval allows, e.g. ${over[0].device}: ${over[0].polls} at ${over[0].ts.join(', ')}`);
    const r = result(`Kiban collector (outbox ${label})`, kibanVersion(), devices.length, plan, w, tally.values.between(w.t0, w.t1), tally.withValue.between(w.t0, w.t1), tally.polls.between(w.t0, w.t1), notes);
    log(`  kiban (${label}): ${r.pointsPerS} points/s, ${r.samplesPerS} samples/s, ${r.cpuS} CPU-s in ${r.windowS} s = ${r.cpuSPerMillionPoints} CPU-s per million points; device polls ${r.devicePollsPerS}/s of ${r.offeredDevicePollsPerS}; sim ${r.simCpuShare} cores; ${notes.join('; ')}`);
    return r;
  } finally {
    await child.stop();
    await new Promise((r) => sink.server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
}

/** Prometheus text: sample lines (not comments), without the exporter's own snmp_scrape_* lines. */
function countSamples(body: Buffer): number {
  let n = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(10, start);
    if (end < 0) end = body.length;
    if (end > start && body[start] !== 0x23 /* # */ && !(body[start] === 0x73 && body.subarray(start, start + 12).toString('latin1') === 'snmp_scrape_')) n++;
    start = end + 1;
  }
  return n;
}

async function runSnmpExporter(exe: string, devices: SimDevice[], reads: Map<string, ProfileReads>, plan: BenchPlan, simPid: number, log: (m: string) => void): Promise<ToolResult> {
  const snmpDevices = devices.filter((d) => d.protocol === 'snmp' && reads.get(d.profile)?.profile.protocol === 'snmp');
  const timeoutS = Math.min(2, Math.max(0.1, (plan.intervalMs * 0.8) / 2000));
  const modules = [...new Set(snmpDevices.map((d) => d.profile))].map((name) => {
    const p = reads.get(name)!.profile;
    return p.protocol === 'snmp' ? snmpExporterModule(p, { community: 'public', timeoutS }) : '';
  });
  const dir = await mkdtemp(join(os.tmpdir(), 'kiban-bench-snmp-exporter-'));
  const config = join(dir, 'snmp.yml');
  await writeFile(config, `${modules.join('\n')}\n`);
  const port = await freePort();
  const version = toolVersion(exe, ['--version'], /snmp_exporter, version (\S+)/, 'snmp_exporter');
  const child = new Child('snmp_exporter', exe, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const produced = new SecondCounter();
  const polls = new SecondCounter();
  let failures = 0;
  let skipped = 0;
  let stopping = false;
  const scrape = (d: SimDevice) => new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, agent, path: `/snmp?module=${metricIdent(d.profile)}&target=${d.host}:${d.port}`, timeout: plan.intervalMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const now = Date.now();
        if (res.statusCode === 200) { produced.add(now, countSamples(Buffer.concat(chunks))); polls.add(now); } else failures++;
        resolve();
      });
      res.on('error', () => { failures++; resolve(); });
    });
    req.on('timeout', () => req.destroy(new Error('scrape timeout')));
    req.on('error', () => { failures++; resolve(); });
    req.end();
  });
  const loops: Promise<void>[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      if (!child.alive) throw new Error(`snmp_exporter exited: ${child.stderr}`);
      const ok = await new Promise<boolean>((r) => { const q = request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => { res.resume(); r(res.statusCode === 200); }); q.on('error', () => r(false)); q.end(); });
      if (ok) break;
      await sleep(100);
    }
    // Prometheus-style: each target once per interval at its own offset; a scrape still running when the next
    // is due makes that one skip (scrape_timeout = interval).
    snmpDevices.forEach((d, i) => loops.push((async () => {
      let next = Date.now() + Math.floor((plan.intervalMs * i) / snmpDevices.length);
      while (!stopping) {
        await sleep(next - Date.now());
        if (stopping) return;
        await scrape(d);
        next += plan.intervalMs;
        while (next < Date.now()) { next += plan.intervalMs; skipped++; }
      }
    })()));
    await sleep(plan.intervalMs + plan.warmupMs);
    const w = await measureWindow(child.pid, simPid, plan);
    const points = produced.between(w.t0, w.t1);
    const notes = [`${failures} failed scrapes`, `${skipped} skipped scrape slots`, 'SNMP devices only (no Modbus)'];
    const r = result('Prometheus snmp_exporter', version, snmpDevices.length, plan, w, points, points, polls.between(w.t0, w.t1), notes);
    log(`  snmp_exporter: ${r.pointsPerS} points/s, ${r.cpuS} CPU-s in ${r.windowS} s = ${r.cpuSPerMillionPoints} CPU-s per million points; scrapes ${r.devicePollsPerS}/s of ${r.offeredDevicePollsPerS}; ${failures} failed; sim ${r.simCpuShare} cores`);
    return r;
  } finally {
    stopping = true;
    await Promise.all(loops);
    agent.destroy();
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** collectd binary network protocol: count the values of every VALUES part (type 0x0006). */
function countCollectdValues(packet: Buffer): { values: number; lists: number } {
  let values = 0;
  let lists = 0;
  let off = 0;
  while (off + 4 <= packet.length) {
    const type = packet.readUInt16BE(off);
    const len = packet.readUInt16BE(off + 2);
    if (len < 4) break;
    if (type === 0x0006 && off + 6 <= packet.length) { values += packet.readUInt16BE(off + 4); lists++; }
    off += len;
  }
  return { values, lists };
}

async function runCollectd(exe: string, devices: SimDevice[], reads: Map<string, ProfileReads>, plan: BenchPlan, simPid: number, log: (m: string) => void): Promise<ToolResult> {
  const polled = devices.filter((d) => reads.has(d.profile));
  const socket = createSocket('udp4');
  const produced = new SecondCounter();
  socket.on('message', (msg) => produced.add(Date.now(), countCollectdValues(msg).values));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const dir = await mkdtemp(join(os.tmpdir(), 'kiban-bench-collectd-'));
  const intervalS = plan.intervalMs / 1000;
  const version = toolVersion(exe, ['-h'], /collectd (\d+\.\d+\.\d+)/, 'collectd');
  // collectd's snmp plugin (net-snmp, select()) aborts with "bit out of range 0 - FD_SETSIZE" past about
  // 1,000 sessions in one process, so a large fleet is split over several collectd instances (CPU summed).
  const shards: SimDevice[][] = [];
  for (let i = 0; i < polled.length; i += COLLECTD_MAX_HOSTS) shards.push(polled.slice(i, i + COLLECTD_MAX_HOSTS));
  const children: Child[] = [];
  let skipped: string[] = [];
  try {
    for (const [i, shard] of shards.entries()) {
      const shardDir = join(dir, `shard-${i}`);
      await mkdir(shardDir);
      const generated = collectdConfig({ dir: shardDir, intervalS, timeoutS: Math.min(2, Math.max(0.1, (plan.intervalMs * 0.8) / 2000)), networkPort: socket.address().port, readThreads: 64, devices: shard, reads });
      skipped = generated.skipped;
      await writeFile(join(shardDir, 'collectd.conf'), generated.conf);
      children.push(new Child(`collectd-${i}`, exe, ['-f', '-C', join(shardDir, 'collectd.conf')]));
    }
    await sleep(500);
    for (const c of children) if (!c.alive) throw new Error(`collectd exited: ${c.stderr}`);
    await sleep(plan.intervalMs + plan.warmupMs);
    const w = await measureWindow(children.map((c) => c.pid), simPid, plan);
    await sleep(1500);
    const points = produced.between(w.t0, w.t1);
    const errors = children.flatMap((c) => c.stderr.split('\n')).filter((l) => /error|fail/i.test(l));
    const notes = [
      ...(shards.length > 1 ? [`${shards.length} collectd instances of at most ${COLLECTD_MAX_HOSTS} hosts`] : []),
      ...(skipped.length ? [`not expressible in collectd modbus: ${skipped.length} points`] : []),
      ...(errors.length ? [`log: ${errors.slice(-2).join(' | ').slice(0, 300)}`] : []),
    ];
    const expectedPerCycle = polled.reduce((n, d) => n + (reads.get(d.profile)?.valuesPerPoll ?? 0), 0);
    const r = result('collectd', version, polled.length, plan, w, points, points, (points / expectedPerCycle) * polled.length, notes);
    log(`  collectd: ${r.pointsPerS} points/s, ${r.cpuS} CPU-s in ${r.windowS} s = ${r.cpuSPerMillionPoints} CPU-s per million points; ~${r.devicePollsPerS} device polls/s of ${r.offeredDevicePollsPerS}; sim ${r.simCpuShare} cores${notes.length ? `; ${notes.join('; ')}` : ''}`);
    return r;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    socket.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw && Number.isFinite(Number(raw)) ? Number(raw) : fallback;
}

function planFor(quick: boolean): BenchPlan {
  const tools = (process.env.KIBAN_BENCH_POLL_TOOLS ?? 'kiban,snmp_exporter,collectd').split(',').filter(Boolean) as Tool[];
  const disk = process.env.KIBAN_BENCH_POLL_OUTBOX ?? join(os.tmpdir(), 'kiban-bench-poll');
  return {
    // Full: the 2,000-rack site of `kiban bench sim`, every device every 15 s = the 100,000 points/s target.
    // Quick: a 100-rack site every 2 s (about 40,000 points/s), short windows.
    racks: envNumber('KIBAN_BENCH_POLL_RACKS', quick ? 100 : 2000),
    intervalMs: envNumber('KIBAN_BENCH_POLL_INTERVAL_MS', quick ? 2000 : 15_000),
    warmupMs: envNumber('KIBAN_BENCH_POLL_WARMUP_MS', quick ? 2000 : 15_000),
    windowMs: envNumber('KIBAN_BENCH_POLL_WINDOW_MS', quick ? 6000 : 30_000),
    tools,
    outboxes: quick || !existsSync('/dev/shm') ? [{ label: 'on disk', base: disk }] : [{ label: 'on disk', base: disk }, { label: 'on tmpfs', base: '/dev/shm/kiban-bench-poll' }],
  };
}

export const pollBench: Bench = {
  name: 'poll',
  description: 'points/s and CPU per point polling the simulated fleet (SNMP+Modbus) vs snmp_exporter and collectd',
  async run({ quick, log }) {
    const plan = planFor(quick);
    const snmpExporter = findExecutable(['snmp_exporter', 'prometheus-snmp-exporter']);
    const collectd = findExecutable(['collectd']);
    log(`poll bench: ${plan.racks}-rack simulated site in its own process, every device polled every ${plan.intervalMs} ms; warm-up ${plan.warmupMs / 1000} s, window ${plan.windowMs / 1000} s per tool; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const t0 = performance.now();
    const sim = await startSimProcess(plan.racks);
    const results: ToolResult[] = [];
    const skippedTools: string[] = [];
    try {
      const listed = (await (await fetch(`${sim.controlUrl}/sim/v1/devices`)).json()) as { items: SimDevice[] };
      const devices = listed.items.filter((d) => (d.protocol === 'snmp' || d.protocol === 'modbus') && existsSync(resolveProfilePath(d.profile)));
      const reads = await profileReads(devices);
      const perCycle = devices.reduce((n, d) => n + (reads.get(d.profile)?.valuesPerPoll ?? 0), 0);
      const byProfile = [...reads].map(([n, r]) => `${n} ${devices.filter((d) => d.profile === n).length}×${r.valuesPerPoll}`).join(', ');
      log(`  sim up in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${devices.length} SNMP/Modbus devices (${byProfile} values per poll); ${perCycle} points per fleet poll = ${Math.round(perCycle / (plan.intervalMs / 1000))} points/s offered`);

      if (plan.tools.includes('kiban')) {
        for (const o of plan.outboxes) results.push(await runKiban(devices, reads, plan, sim.child.pid, o.base, o.label, log));
      }
      if (plan.tools.includes('snmp_exporter')) {
        if (snmpExporter) results.push(await runSnmpExporter(snmpExporter, devices, reads, plan, sim.child.pid, log));
        else { skippedTools.push('snmp_exporter'); log('  snmp_exporter: SKIPPED, not installed (apt-get install prometheus-snmp-exporter)'); }
      }
      if (plan.tools.includes('collectd')) {
        if (collectd && existsSync('/usr/lib/collectd/snmp.so')) results.push(await runCollectd(collectd, devices, reads, plan, sim.child.pid, log));
        else { skippedTools.push('collectd'); log('  collectd: SKIPPED, not installed (apt-get install collectd-core libsnmp40 libmodbus5)'); }
      }
    } finally {
      await sim.child.stop();
    }

    log('');
    log('| tool | devices | points/s | samples/s | CPU-s per million points | device polls/s (offered) | sim CPU (cores) |');
    log('|---|---|---|---|---|---|---|');
    for (const r of results) log(`| ${r.tool} | ${r.devices} | ${r.pointsPerS} | ${r.samplesPerS} | ${r.cpuSPerMillionPoints} | ${r.devicePollsPerS} (${r.offeredDevicePollsPerS}) | ${r.simCpuShare} |`);
    const kiban = results.find((r) => r.tool.startsWith('Kiban'));
    const exporter = results.find((r) => r.tool.includes('snmp_exporter'));
    const cd = results.find((r) => r.tool === 'collectd');
    const out: BenchResult = {
      bench: 'poll',
      value: kiban?.pointsPerS ?? 0,
      unit: 'points/s',
      target: TARGET_POINTS_PER_S,
      racks: plan.racks,
      intervalMs: plan.intervalMs,
      kibanCpuSPerMillionPoints: kiban?.cpuSPerMillionPoints,
      kibanSamplesPerS: kiban?.samplesPerS,
    };
    if (exporter && kiban) {
      out.baseline = exporter.pointsPerS;
      out.ratio = Number((kiban.pointsPerS / exporter.pointsPerS).toFixed(3));
      out.snmpExporterCpuSPerMillionPoints = exporter.cpuSPerMillionPoints;
      out.cpuPerPointRatio = Number((kiban.cpuSPerMillionPoints / exporter.cpuSPerMillionPoints).toFixed(3));
    }
    if (cd) { out.collectdPointsPerS = cd.pointsPerS; out.collectdCpuSPerMillionPoints = cd.cpuSPerMillionPoints; }
    if (skippedTools.length) out.skipped = skippedTools;
    out.results = results;
    return out;
  },
};
