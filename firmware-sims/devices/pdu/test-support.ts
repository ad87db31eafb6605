/**
 * Test helpers for the PDU simulators: a fake SimContext whose state the test edits, PduState builders
 * that conserve energy, and a wrapper around net-snmp's command-line tools (the third-party client).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Fault, OutletState, PduState, PduVendor, RackSpec, SimContext, SiteSpec, SiteState } from '../../site/types.ts';

const run = promisify(execFile);

export interface FakeSim {
  ctx: SimContext;
  state: SiteState;
  faults: Map<string, Fault>;
  /** Replace the state and fire onTick callbacks, as the physics model does every tick. */
  tick(mutate?: (state: SiteState) => void): void;
}

export function makeOutlets(count: number, opts: { voltageV?: number; powerFactor?: number; baseW?: number; stepW?: number } = {}): OutletState[] {
  const voltageV = opts.voltageV ?? 230.4;
  const pf = opts.powerFactor ?? 0.95;
  return Array.from({ length: count }, (_, i) => {
    const activePowerW = (opts.baseW ?? 100) + (opts.stepW ?? 13) * i;
    const apparentPowerVA = activePowerW / pf;
    return {
      index: i + 1,
      name: `srv-${String(i + 1).padStart(2, '0')}`,
      on: true,
      voltageV,
      currentA: apparentPowerVA / voltageV,
      activePowerW,
      apparentPowerVA,
      powerFactor: pf,
      activeEnergyWh: 1_000_000 + 1234 * (i + 1),
      overload: false,
    };
  });
}

/** A PDU whose inlet is exactly the sum of its outlets (no PDU losses). */
export function makePdu(rackId: string, feed: 'A' | 'B', vendor: PduVendor, outletCount = 24, outlets = makeOutlets(outletCount)): PduState {
  const pdu: PduState = {
    id: `${rackId}-pdu-${feed.toLowerCase()}`,
    rackId,
    feed,
    vendor,
    ratedCurrentA: 32,
    inlet: { voltageV: 230.4, currentA: 0, activePowerW: 0, apparentPowerVA: 0, powerFactor: 0, activeEnergyWh: 0, frequencyHz: 50.02 },
    breakerTripped: false,
    outlets,
  };
  return conserve(pdu);
}

/** Recompute the inlet from the outlets (what the physics model guarantees). */
export function conserve(pdu: PduState): PduState {
  const live = pdu.breakerTripped ? [] : pdu.outlets.filter((o) => o.on);
  const activePowerW = live.reduce((s, o) => s + o.activePowerW, 0);
  const apparentPowerVA = live.reduce((s, o) => s + o.apparentPowerVA, 0);
  pdu.inlet = {
    ...pdu.inlet,
    activePowerW,
    apparentPowerVA,
    currentA: apparentPowerVA / pdu.inlet.voltageV,
    powerFactor: apparentPowerVA > 0 ? activePowerW / apparentPowerVA : 0,
    activeEnergyWh: pdu.outlets.reduce((s, o) => s + o.activeEnergyWh, 0),
  };
  return pdu;
}

export function makeRackSpec(id: string, vendor: PduVendor, outletsPerPdu = 24): RackSpec {
  return { id, room: 'r1', row: 'a', heightU: 42, itLoadW: 8000, outletsPerPdu, pduVendor: vendor, pduRatedCurrentA: 32, upsA: 'ups-1', upsB: 'ups-2', crac: 'crac-1' };
}

export function makeFakeSim(racks: Array<{ id: string; vendor: PduVendor; outlets?: number }>): FakeSim {
  const spec: SiteSpec = {
    name: 'test', seed: 1, latitude: 35.7, rooms: [{ id: 'r1', name: 'Room 1', rows: ['a'] }],
    racks: racks.map((r) => makeRackSpec(r.id, r.vendor, r.outlets ?? 24)),
    ups: [], cracs: [], meters: [], lightingW: 0,
  };
  const pdus = new Map<string, PduState>();
  for (const r of racks) {
    for (const feed of ['A', 'B'] as const) {
      const pdu = makePdu(r.id, feed, r.vendor, r.outlets ?? 24);
      pdus.set(pdu.id, pdu);
    }
  }
  let state: SiteState = {
    simTimeMs: Date.UTC(2025, 0, 15, 12, 0, 0),
    ups: new Map(), pdus, cracs: new Map(), sensors: new Map(), meters: new Map(),
    facility: { outsideTempC: 20, itW: 0, pduInputW: 0, upsOutputW: 0, upsLossesW: 0, coolingW: 0, lightingW: 0, totalW: 0 },
  };
  const faults = new Map<string, Fault>();
  const tickListeners = new Set<(s: SiteState) => void>();
  const sim: FakeSim = {
    get state() { return state; },
    set state(s) { state = s; },
    faults,
    ctx: {
      spec,
      state: () => state,
      faults: { forDevice: (id) => faults.get(id) },
      startedAtMs: Date.now(),
      onTick(cb) {
        tickListeners.add(cb);
        return () => tickListeners.delete(cb);
      },
    },
    tick(mutate) {
      state = { ...state, simTimeMs: state.simTimeMs + 2000 };
      mutate?.(state);
      for (const cb of tickListeners) cb(state);
    },
  };
  return sim;
}

export function fault(kind: Fault['kind'], target: string, params: Record<string, unknown> = {}): Fault {
  return { id: `f-${kind}-${target}`, kind, target, params, createdAtMs: Date.now() };
}

// ---------------------------------------------------------------- net-snmp command-line tools

export const SNMP_TOOLS_PRESENT = ['/usr/bin/snmpbulkwalk', '/usr/bin/snmpget', '/usr/bin/snmpset'].every((p) => existsSync(p));
/** Tests that need the Debian tools are skipped without them, except in CI where they must be installed. */
export const SKIP_WITHOUT_SNMP_TOOLS = !SNMP_TOOLS_PRESENT && process.env.CI !== 'true';

export interface WalkedVarbind { oid: string; type: string; value: string }

/** `-On -Oe -Ot -Oq`-free output parsed from `-On -Oe`: `.1.3.6... = TYPE: value`. */
export function parseSnmpOutput(stdout: string): WalkedVarbind[] {
  const out: WalkedVarbind[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\.?([\d.]+) = (?:([A-Za-z0-9-]+): )?(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ oid: m[1], type: m[2] ?? '', value: m[3].replace(/^"(.*)"$/, '$1') });
  }
  return out;
}

const COMMON = ['-On', '-Oe', '-Ot', '-m', '', '-t', '2', '-r', '0'];

/** snmpbulkwalk without -Cc: the tool itself fails on non-increasing OIDs. */
export async function bulkWalk(port: number, root: string, community = 'public', extra: string[] = []): Promise<WalkedVarbind[]> {
  const { stdout } = await run('snmpbulkwalk', ['-v2c', '-c', community, ...COMMON, ...extra, `127.0.0.1:${port}`, root], { maxBuffer: 64 * 1024 * 1024 });
  return parseSnmpOutput(stdout);
}

export async function snmpGet(port: number, oids: string[], community = 'public', extra: string[] = []): Promise<WalkedVarbind[]> {
  const { stdout } = await run('snmpget', ['-v2c', '-c', community, ...COMMON, ...extra, `127.0.0.1:${port}`, ...oids]);
  return parseSnmpOutput(stdout);
}

export async function snmpSet(port: number, oid: string, type: string, value: string, community = 'private'): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('snmpset', ['-v2c', '-c', community, ...COMMON, `127.0.0.1:${port}`, oid, type, value]);
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

/** Index the walk by OID → numeric value (Gauge32/INTEGER/Timeticks) or string. */
export function byOid(varbinds: WalkedVarbind[]): Map<string, WalkedVarbind> {
  return new Map(varbinds.map((v) => [v.oid, v]));
}

export function num(v: WalkedVarbind | undefined): number {
  if (!v) throw new Error('missing varbind');
  const m = /-?\d+/.exec(v.value);
  if (!m) throw new Error(`not numeric: ${v.type}: ${v.value}`);
  return Number(m[0]);
}
