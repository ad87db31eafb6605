/**
 * Test fixtures of the site contract for UPS adapter tests: a UpsState builder and a fake SimContext
 * whose state and faults a test changes between assertions. Not used by the product.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import type { CommFaults, Fault, FaultKind, SimContext, SiteSpec, SiteState, UpsState } from '../../site/types.ts';

export function makeUpsState(overrides: Partial<UpsState> = {}): UpsState {
  return {
    id: 'ups-1',
    ratedW: 8000,
    ratedVA: 10000,
    source: 'normal',
    inputVoltageV: 231.4, inputFrequencyHz: 50.02, inputCurrentA: 21.76, inputPowerW: 4980, inputLineBads: 3,
    outputVoltageV: 230.2, outputFrequencyHz: 50.0, outputCurrentA: 20.54,
    outputPowerW: 4712, outputApparentVA: 4960, outputPercentLoad: 58.9,
    bypassVoltageV: 231.0, bypassFrequencyHz: 50.02, bypassCurrentA: 0, bypassPowerW: 0,
    batteryStatus: 'normal', secondsOnBattery: 0, minutesRemaining: 23.6, chargePercent: 100,
    batteryVoltageV: 273.04, batteryCurrentA: 0.3, batteryTemperatureC: 25.4,
    lossesW: 268, efficiencyPercent: 94.6, outputEnergyWh: 123_456_789,
    alarms: [],
    ...overrides,
  };
}

/** A utility failure as the physics model would show it a few seconds in. */
export function onBatteryState(base: UpsState, secondsOnBattery = 42): UpsState {
  return {
    ...base,
    source: 'battery',
    inputVoltageV: 0, inputFrequencyHz: 0, inputCurrentA: 0, inputPowerW: 0,
    batteryStatus: 'normal', secondsOnBattery, minutesRemaining: 17.2, chargePercent: 96,
    batteryVoltageV: 262.5, batteryCurrentA: -19.4,
    efficiencyPercent: 0,
  };
}

const EMPTY_SPEC: SiteSpec = { name: 'test site', seed: 1, latitude: 35.7, rooms: [], racks: [], ups: [], cracs: [], meters: [], lightingW: 0 };

export class FakeSim implements SimContext {
  spec = EMPTY_SPEC;
  startedAtMs = Date.now() - 12_345_670; // sysUpTime ≈ 12345.67 s
  private site: SiteState;
  private readonly activeFaults = new Map<string, Fault>();
  private readonly tickListeners = new Set<(state: SiteState) => void>();

  constructor(ups: UpsState[], simTimeMs = Date.parse('2025-01-15T10:00:00Z')) {
    this.site = {
      simTimeMs,
      ups: new Map(ups.map((u) => [u.id, u])),
      pdus: new Map(), cracs: new Map(), sensors: new Map(), meters: new Map(),
      facility: { outsideTempC: 10, itW: 0, pduInputW: 0, upsOutputW: 0, upsLossesW: 0, coolingW: 0, lightingW: 0, totalW: 0 },
    };
  }

  state = (): SiteState => this.site;

  faults: CommFaults = { forDevice: (id) => this.activeFaults.get(id) };

  onTick(cb: (state: SiteState) => void): () => void {
    this.tickListeners.add(cb);
    return () => this.tickListeners.delete(cb);
  }

  ups(id = 'ups-1'): UpsState {
    return this.site.ups.get(id)!;
  }

  /** Replace the state (new objects, as the model does) and run a tick `advanceMs` later. */
  tick(ups: UpsState | ((u: UpsState) => UpsState), advanceMs = 1000): void {
    const current = this.ups(typeof ups === 'function' ? 'ups-1' : ups.id);
    const next = typeof ups === 'function' ? ups(current) : ups;
    this.site = { ...this.site, simTimeMs: this.site.simTimeMs + advanceMs, ups: new Map(this.site.ups).set(next.id, next) };
    for (const cb of this.tickListeners) cb(this.site);
  }

  setFault(target: string, kind: FaultKind, params: Record<string, unknown> = {}): void {
    this.activeFaults.set(target, { id: `f-${kind}`, kind, target, params, createdAtMs: Date.now() });
  }

  clearFault(target: string): void {
    this.activeFaults.delete(target);
  }
}

export interface ToolResult { stdout: string; stderr: string; code: number; elapsedMs: number }

/** Run a third-party client; never throws (exit status and output are the test's business). */
export function runTool(cmd: string, args: string[], timeoutMs = 30_000): Promise<ToolResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code, elapsedMs: Date.now() - started });
    });
  });
}

/** Whether a tool exists; in CI a missing tool is a failure, elsewhere its tests are skipped. */
export async function haveTool(cmd: string): Promise<boolean> {
  const found = (await runTool('sh', ['-c', `command -v ${cmd}`])).code === 0;
  if (!found && process.env.CI === 'true') throw new Error(`${cmd} is required in CI (install it in .ci/run)`);
  return found;
}

export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** One `snmpbulkwalk -On -Oe`-style line: `.1.3.6… = TYPE: value`. */
export interface WalkLine { oid: string; type: string; value: string }

export function parseSnmpOutput(stdout: string): WalkLine[] {
  const lines: WalkLine[] = [];
  for (const raw of stdout.split('\n')) {
    const m = /^\.?([0-9.]+) = (?:([A-Za-z0-9-]+): )?(.*)$/.exec(raw.trim());
    if (!m) continue;
    lines.push({ oid: m[1], type: m[2] ?? '', value: m[3].replace(/^"(.*)"$/, '$1') });
  }
  return lines;
}

export function compareOids(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return pa.length - pb.length;
}
