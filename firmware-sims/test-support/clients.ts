/**
 * Third-party clients for the end-to-end simulator tests: net-snmp's snmpget/snmpbulkwalk/snmptrapd,
 * mbpoll, Python pymodbus and mosquitto_sub, run as child processes exactly as a user would run them,
 * with their output parsed. Reuses the parsing helpers of the adapter tests (devices/ups/test-fixtures.ts,
 * devices/pdu/test-support.ts) instead of copying them. Not used by the product.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byOid, num } from '../devices/pdu/test-support.ts';
import { compareOids, freeUdpPort, parseSnmpOutput, runTool, type ToolResult, type WalkLine } from '../devices/ups/test-fixtures.ts';
import type { SimDevice, SimHandle } from '../index.ts';

export { byOid, compareOids, freeUdpPort, num, parseSnmpOutput, runTool };
export type { ToolResult, WalkLine };

// ---------------------------------------------------------------- tool presence

/** The Python with pymodbus (Debian python3-pymodbus); the pyenv python3 first in PATH lacks it. */
export const PYTHON = '/usr/bin/python3';

const TOOL_PATHS = {
  snmpget: '/usr/bin/snmpget',
  snmpbulkwalk: '/usr/bin/snmpbulkwalk',
  snmptrapd: '/usr/sbin/snmptrapd',
  mbpoll: '/usr/bin/mbpoll',
  mosquitto_sub: '/usr/bin/mosquitto_sub',
  python3: PYTHON,
} as const;
export type ToolName = keyof typeof TOOL_PATHS;

/**
 * True when the tools are missing and the test may be skipped: never in CI (`CI=true`), where a missing
 * tool must fail the test instead (install it in .ci/run).
 */
export function skipWithout(...tools: ToolName[]): boolean {
  const missing = tools.filter((t) => !existsSync(TOOL_PATHS[t]));
  return missing.length > 0 && process.env.CI !== 'true';
}

// ---------------------------------------------------------------- polling

/** Poll `probe` until it returns a non-undefined value; fail with the last value/error after `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined> | T | undefined, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

// ---------------------------------------------------------------- simulator control API

export function device(sim: SimHandle, id: string): SimDevice {
  const d = sim.devices.find((x) => x.id === id);
  if (!d) throw new Error(`no device ${id}`);
  return d;
}

export async function api(sim: SimHandle, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** POST /sim/v1/faults; returns the fault id (fails the test on a non-201). */
export async function injectFault(sim: SimHandle, kind: string, target: string, params?: Record<string, unknown>): Promise<string> {
  const res = await api(sim, 'POST', '/sim/v1/faults', { kind, target, ...(params ? { params } : {}) });
  if (res.status !== 201) throw new Error(`inject ${kind} on ${target}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** DELETE /sim/v1/faults/{id}. */
export async function clearFault(sim: SimHandle, id: string): Promise<void> {
  const res = await api(sim, 'DELETE', `/sim/v1/faults/${id}`);
  if (res.status !== 204) throw new Error(`clear ${id}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function truth(sim: SimHandle, id: string): Promise<any> {
  const res = await api(sim, 'GET', `/sim/v1/truth/${id}`);
  if (res.status !== 200) throw new Error(`truth ${id}: ${res.status}`);
  return res.body.values;
}

// ---------------------------------------------------------------- net-snmp

export const SNMP_V3_ARGS = ['-v3', '-l', 'authPriv', '-u', 'kiban', '-a', 'SHA', '-A', 'kiban-auth-key', '-x', 'AES', '-X', 'kiban-priv-key'];
/** Numeric OIDs, enum values as numbers, no MIB files loaded. */
const SNMP_COMMON = ['-On', '-Oe', '-m', ''];

export interface SnmpOptions {
  /** Protocol arguments; default v2c community public. */
  auth?: string[];
  timeoutS?: number;
  retries?: number;
}

const authArgs = (o: SnmpOptions) => o.auth ?? ['-v2c', '-c', 'public'];

export async function snmpget(port: number, oids: string[], o: SnmpOptions = {}): Promise<ToolResult & { varbinds: Map<string, WalkLine> }> {
  const args = [...authArgs(o), ...SNMP_COMMON, '-t', String(o.timeoutS ?? 3), '-r', String(o.retries ?? 1), `127.0.0.1:${port}`, ...oids];
  const result = await runTool('snmpget', args, 60_000);
  return { ...result, varbinds: byOid(parseSnmpOutput(result.stdout)) };
}

/** snmpbulkwalk without -Cc: net-snmp itself stops with "OID not increasing" on a broken agent. */
export async function snmpbulkwalk(port: number, root: string, o: SnmpOptions = {}): Promise<ToolResult & { lines: WalkLine[] }> {
  const args = [...authArgs(o), ...SNMP_COMMON, '-t', String(o.timeoutS ?? 5), '-r', String(o.retries ?? 1), `127.0.0.1:${port}`, root];
  const result = await runTool('snmpbulkwalk', args, 120_000);
  // At the very end of an agent's MIB net-snmp prints the endOfMibView exception against the last OID
  // again ("No more variables left in this MIB View"); that is an exception value, not a second object.
  return { ...result, lines: parseSnmpOutput(result.stdout).filter((l) => !/^No more variables left/.test(l.value)) };
}

/** Numeric value of one varbind of an snmpget (throws when absent or not numeric). */
export async function snmpNumber(port: number, oid: string, o: SnmpOptions = {}): Promise<number> {
  const r = await snmpget(port, [oid], o);
  if (r.code !== 0) throw new Error(`snmpget ${oid}: exit ${r.code} ${r.stderr.trim()}`);
  return num(r.varbinds.get(oid));
}

export interface TrapReceiverProcess {
  port: number;
  /** Everything snmptrapd has logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/** A real snmptrapd on a free loopback UDP port, logging v1/v2c notifications for community public. */
export async function startSnmptrapd(): Promise<TrapReceiverProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'kiban-snmptrapd-'));
  const conf = join(dir, 'snmptrapd.conf');
  writeFileSync(conf, 'authCommunity log public\n');
  const port = await freeUdpPort();
  // -C: only our config file; -f foreground; -Lo log to stdout; -On numeric OIDs; -m '' no MIB files.
  const child = spawn('snmptrapd', ['-f', '-Lo', '-On', '-C', '-c', conf, '-m', '', `udp:127.0.0.1:${port}`], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b) => { out += String(b); });
  child.stderr!.on('data', (b) => { out += String(b); });
  await pollUntil(() => (/NET-SNMP version/.test(out) ? true : child.exitCode !== null ? Promise.reject(new Error(`snmptrapd exited: ${out}`)) : undefined), { timeoutMs: 15_000, what: 'snmptrapd to start' });
  return {
    port,
    output: () => out,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------- mbpoll

export interface MbpollOptions {
  /** '3' input registers, '4' holding registers (default), '4:int' 32-bit… */
  type?: string;
  /** 1-based reference, as mbpoll numbers registers (protocol address + 1). */
  ref: number;
  count?: number;
  /** -B: big-endian word order (most significant word first) for 32-bit types. */
  bigEndianWords?: boolean;
  timeoutS?: number;
  unitId?: number;
}

/** One poll with mbpoll; `values` maps reference → value (the unsigned/first number mbpoll prints). */
export async function mbpoll(port: number, o: MbpollOptions): Promise<ToolResult & { values: Map<number, number> }> {
  const args = ['-1', '-m', 'tcp', '-p', String(port), '-a', String(o.unitId ?? 1), '-t', o.type ?? '4', '-r', String(o.ref), '-c', String(o.count ?? 1), '-o', String(o.timeoutS ?? 2)];
  if (o.bigEndianWords) args.push('-B');
  const result = await runTool('mbpoll', [...args, '127.0.0.1'], 60_000);
  const values = new Map<number, number>();
  for (const m of result.stdout.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)) values.set(Number(m[1]), Number(m[2]));
  return { ...result, values };
}

// ---------------------------------------------------------------- pymodbus

const PYMODBUS_SCRIPT = `
import json, sys
from pymodbus.client import ModbusTcpClient
from pymodbus.constants import Endian
from pymodbus.payload import BinaryPayloadDecoder
port, fc, address, count, word_order, timeout = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
client = ModbusTcpClient("127.0.0.1", port=port, timeout=timeout, retries=0)
out = {}
try:
    if not client.connect():
        out = {"error": "connect"}
    else:
        read = client.read_holding_registers if fc == 3 else client.read_input_registers
        r = read(address, count, slave=1)
        if r.isError():
            out = {"exception": getattr(r, "exception_code", None), "text": str(r)}
        else:
            out = {"registers": list(r.registers)}
            if count == 2 and word_order in ("ABCD", "CDAB"):
                decoder = BinaryPayloadDecoder.fromRegisters(r.registers, byteorder=Endian.Big,
                    wordorder=Endian.Big if word_order == "ABCD" else Endian.Little)
                out["uint32"] = decoder.decode_32bit_uint()
except Exception as e:
    out = {"error": type(e).__name__, "text": str(e)}
finally:
    client.close()
print(json.dumps(out))
`;

export interface PymodbusResult { registers?: number[]; uint32?: number; exception?: number; error?: string; text?: string; elapsedMs: number }

/** Read with pymodbus (FC03/FC04, 0-based address); with count 2 and a word order, decode a uint32 the pymodbus way. */
export async function pymodbusRead(port: number, o: { fc?: 3 | 4; address: number; count: number; wordOrder?: 'ABCD' | 'CDAB'; timeoutS?: number }): Promise<PymodbusResult> {
  const r = await runTool(PYTHON, ['-c', PYMODBUS_SCRIPT, String(port), String(o.fc ?? 3), String(o.address), String(o.count), o.wordOrder ?? '-', String(o.timeoutS ?? 3)], 60_000);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...JSON.parse(line), elapsedMs: r.elapsedMs };
  } catch {
    throw new Error(`pymodbus: exit ${r.code}: ${r.stdout} ${r.stderr}`);
  }
}

// ---------------------------------------------------------------- mosquitto_sub

export interface MqttMessage { topic: string; payload: string; atMs: number }

export interface Subscriber {
  messages: MqttMessage[];
  /** Wait for a message (after index `from`) matching `pred`. */
  waitFor(pred: (m: MqttMessage) => boolean, opts?: { timeoutMs?: number; from?: number; what?: string }): Promise<MqttMessage>;
  stop(): Promise<void>;
}

/** A long-running `mosquitto_sub -v` on 127.0.0.1:1883; each line is `topic payload`. */
export async function mosquittoSub(topics: string[], opts: { host?: string; port?: number } = {}): Promise<Subscriber> {
  const args = ['-h', opts.host ?? '127.0.0.1', '-p', String(opts.port ?? 1883), '-v', '-q', '1', ...topics.flatMap((t) => ['-t', t])];
  const child = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: MqttMessage[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (b) => {
    buffered += String(b);
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const space = line.indexOf(' ');
      if (space > 0) messages.push({ topic: line.slice(0, space), payload: line.slice(space + 1), atMs: Date.now() });
    }
  });
  child.stderr!.on('data', (b) => { stderr += String(b); });
  return {
    messages,
    waitFor: (pred, o = {}) => pollUntil(() => {
      if (child.exitCode !== null) throw new Error(`mosquitto_sub exited ${child.exitCode}: ${stderr}`);
      return messages.slice(o.from ?? 0).find(pred);
    }, { timeoutMs: o.timeoutMs ?? 30_000, intervalMs: 100, what: o.what ?? 'an MQTT message' }),
    stop: () => stopChild(child),
  };
}
