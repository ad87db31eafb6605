/**
 * What a simulated rack PDU knows besides the physics state: its nameplate identity and the outlet
 * switching it was asked to do over SNMP. Shared by the Raritan and ServerTech personalities.
 */
import type { OutletState, PduState, PduVendor } from '../../site/types.ts';

export type OutletSwitchHandler = (pduId: string, outlet: number, on: boolean) => void;
export type OutletSwitchAction = 'on' | 'off' | 'cycle';

export interface PduIdentity {
  pduId: string;
  vendor: PduVendor;
  manufacturer: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
  rackId: string;
  feed: 'A' | 'B';
}

/**
 * Outlet switching as the PDU itself sees it. A real PDU reports the new relay state right after the
 * SET is acknowledged; the physics model only applies the request on its next tick. Until then the
 * requested state overlays the model's `on` flag, so a collector that reads back immediately sees what
 * it would see on hardware. The overlay is dropped at the next tick: from then on the model is the truth
 * (e.g. it may refuse to switch an outlet on behind a tripped breaker).
 */
export class OutletSwitchBook {
  private readonly overlay = new Map<number, boolean>();
  private readonly cycling = new Map<number, NodeJS.Timeout>();
  private readonly lastSwitchSec = new Map<number, number>();

  constructor(
    private readonly pduId: string,
    private readonly onSwitch: OutletSwitchHandler | undefined,
    /** Off period of a power cycle (Raritan default globalOutletPowerCyclingPowerOffPeriod is 10 s). */
    private readonly cycleOffMs: number,
  ) {}

  isOn(outlet: OutletState): boolean {
    return this.overlay.get(outlet.index) ?? outlet.on;
  }

  isCycling(outlet: number): boolean {
    return this.cycling.has(outlet);
  }

  /** Seconds since the epoch (simulated time) of the last switching operation, 0 if never switched. */
  lastSwitchedSec(outlet: number): number {
    return this.lastSwitchSec.get(outlet) ?? 0;
  }

  request(outlet: number, action: OutletSwitchAction, simTimeMs: number): void {
    const pending = this.cycling.get(outlet);
    if (pending) {
      clearTimeout(pending);
      this.cycling.delete(outlet);
    }
    const nowSec = Math.floor(simTimeMs / 1000);
    const set = (on: boolean, atSec: number) => {
      this.overlay.set(outlet, on);
      this.lastSwitchSec.set(outlet, atSec);
      this.onSwitch?.(this.pduId, outlet, on);
    };
    if (action !== 'cycle') {
      set(action === 'on', nowSec);
      return;
    }
    set(false, nowSec);
    const timer = setTimeout(() => {
      this.cycling.delete(outlet);
      set(true, nowSec + Math.round(this.cycleOffMs / 1000));
    }, this.cycleOffMs);
    timer.unref?.();
    this.cycling.set(outlet, timer);
  }

  /** A new physics tick: the model has seen every request made before it. */
  tick(): void {
    for (const outlet of this.overlay.keys()) if (!this.cycling.has(outlet)) this.overlay.delete(outlet);
  }

  close(): void {
    for (const timer of this.cycling.values()) clearTimeout(timer);
    this.cycling.clear();
  }
}

export interface PduRuntime {
  identity: PduIdentity;
  switching: OutletSwitchBook;
}

/** Everything one SNMP request reads: taken once per request so a response is internally consistent. */
export interface PduSnapshot {
  pdu: PduState;
  runtime: PduRuntime;
  /** Simulated time of the tick (ms since epoch). */
  simTimeMs: number;
  /** sysUpTime in TimeTicks (0.01 s) since the simulator started, wall clock. */
  upTimeTicks: number;
}

/**
 * The outlet as the wire shows it. A tripped inlet breaker leaves every outlet dead whatever the model
 * reports for it, and a switched-off outlet draws nothing.
 */
export interface OutletReading {
  index: number;
  name: string;
  on: boolean;
  voltageV: number;
  currentA: number;
  activePowerW: number;
  apparentPowerVA: number;
  powerFactor: number;
  activeEnergyWh: number;
  overload: boolean;
}

export function outletReading(snap: PduSnapshot, index: number): OutletReading {
  const { pdu } = snap;
  const outlet = pdu.outlets[index - 1]?.index === index ? pdu.outlets[index - 1] : pdu.outlets.find((o) => o.index === index);
  if (!outlet) {
    return { index, name: `Outlet ${index}`, on: false, voltageV: 0, currentA: 0, activePowerW: 0, apparentPowerVA: 0, powerFactor: 0, activeEnergyWh: 0, overload: false };
  }
  const on = snap.runtime.switching.isOn(outlet);
  const dead = pdu.breakerTripped || !on;
  return {
    index,
    name: outlet.name,
    on,
    voltageV: pdu.breakerTripped ? 0 : outlet.voltageV,
    currentA: dead ? 0 : outlet.currentA,
    activePowerW: dead ? 0 : outlet.activePowerW,
    apparentPowerVA: dead ? 0 : outlet.apparentPowerVA,
    powerFactor: dead ? 0 : outlet.powerFactor,
    activeEnergyWh: outlet.activeEnergyWh,
    overload: !dead && outlet.overload,
  };
}

/** Nominal supply voltage class of an inlet (for nameplates and nominal-voltage objects). */
export function nominalVoltageV(measuredV: number): number {
  if (measuredV > 215) return 230;
  if (measuredV > 160) return 208;
  return 120;
}

/** Stable pseudo-serial from the device id (FNV-1a), so every run shows the same nameplate. */
export function serialFor(prefix: string, id: string, digits = 8): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return prefix + hash.toString(36).toUpperCase().padStart(digits, '0').slice(-digits);
}

export function clampUnsigned32(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(Math.round(value), 0xffffffff);
}

export function clampInt32(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.round(value)));
}
