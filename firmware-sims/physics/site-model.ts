/**
 * The physics of a whole simulated data center: IT load per rack, its path through rack PDUs, distribution
 * and UPSes to the utility, the cooling that removes its heat, and the faults that disturb all of it.
 *
 * Energy is conserved exactly at every tick (the sums are computed, never estimated):
 *
 *   PDU inlet P            = Σ outlet P                                   (no PDU self-consumption)
 *   UPS output P           = Σ PDU inlet P of its feed + distribution loss (+ foreign load under ups_overload)
 *   distribution loss      = 1 % of the PDU inlet power it delivers        (cables, panels, breakers)
 *   UPS input P            = output + conversion losses + battery charging (on mains; 0 on battery)
 *   battery discharge      = output + conversion losses                    (on battery)
 *   facility total         = Σ UPS input + Σ CRAC electrical + lighting
 *   utility import         = total − PV − generator
 *
 * Everything that should not depend on how the model is stepped (load, weather, sun, noise) is a pure
 * function of simulated time and the seed; everything with memory (temperatures, battery charge, energy
 * counters) is advanced in closed form, so a 60 s step is as stable as a 1 s step.
 */
import { FaultRegistry, SITE_TARGET, type SensorMode } from '../faults/registry.ts';
import { rackServerLayout, SPARE_OUTLETS_SWITCHED_OFF } from '../site/rack-layout.ts';
import { pduIdOf, sensorIdOf, siteDeviceKinds, type SimDeviceKind, type SiteSpecExtras } from '../site/spec.ts';
import type {
  CracOperatingState, CracSpec, CracState, FacilityState, MeterSpec, MeterState, OutletState, PduState, PduVendor,
  RackSensorState, RackSpec, SimContext, SiteSpec, SiteState, UpsAlarmName, UpsBatteryStatus, UpsOutputSource,
  UpsSpec, UpsState,
} from '../site/types.ts';
import {
  coolingCop, firstOrderLag, localSolarTimeMs, outsideTemperatureC, pvOutputW, relativeHumidityPct,
} from './environment.ts';
import { dailyLoadFraction, type DailyLoadShape } from './load.ts';
import { deriveSeed, hashNoise, hashUnit, mulberry32 } from './prng.ts';
import { EMPTY_ALARM_TABLE, reconcileAlarmTable, type UpsAlarmTable } from './ups-alarms.ts';
import {
  batteryCapacityWh, batteryCellsPerString, batteryVoltageV, bypassLossW, chargerInputW, doubleConversionLossW,
  LOW_BATTERY_MINUTES, rechargedFraction, runtimeMinutes,
} from './ups-power.ts';

// ---------------------------------------------------------------- constants (why these values: see comments)

/** Cable, panel and breaker losses between UPS output and PDU inlets, as a fraction of delivered power. */
export const DISTRIBUTION_LOSS_FRACTION = 0.01;
export const NOMINAL_VOLTAGE_V = 230;
export const NOMINAL_FREQUENCY_HZ = 50;
/** Site switchboard / meters: 3-phase 400 V. */
export const METER_VOLTAGE_V = 400;
/** IEC C13 outlets, as on the simulated Raritan and Sentry4 PDUs (their adapters advertise the same rating). */
export const OUTLET_RATED_CURRENT_A = 10;
/** Load through the day, as a fraction of the rack's nominal load; peak mid-afternoon local time. */
const RACK_LOAD_SHAPE: DailyLoadShape = { minLoad: 0.7, maxLoad: 0.95, peakHour: 15 };
const LOAD_NOISE_FRACTION = 0.02;
const LOAD_NOISE_PERIOD_MS = 10_000;
/** A rack's load may step (deployment, batch job, decommission) once per epoch. */
const LOAD_STEP_EPOCH_MS = 2 * 3_600_000;
const LOAD_STEP_PROBABILITY = 0.15;
const LOAD_STEP_MAX_FRACTION = 0.2;
const RACK_LOAD_CAP = 1.2;

/** Controlled supply air temperature of a CRAC at the default return-air set point (24 °C on iCOM). */
const SUPPLY_AIR_SETPOINT_C = 19;
const DEFAULT_RETURN_SETPOINT_C = 24;
/** Design air temperature rise through a CRAC at full capacity and full fan speed. */
const CRAC_DESIGN_DELTA_T_K = 12;
/** Design temperature rise through servers at nominal rack load (front to back). */
const RACK_DESIGN_DELTA_T_K = 12;
const CRAC_MIN_FAN_PCT = 35;
/** Fan power at 100 % speed as a fraction of rated cooling; fan power goes with speed³ (affinity laws). */
const CRAC_FAN_POWER_FRACTION = 0.03;
/** When a CRAC fails, working CRACs in the same room take up this share of its heat (air mixes). */
const FAILED_CRAC_RELIEF_FRACTION = 0.5;
/** Hot air recirculating over and around the rack when its row loses cooling. */
const RECIRCULATION_RISE_K = 2;
/** Room air and rack inlets: minutes of inertia (air and the thermal mass of racks and floor). */
const INLET_TIME_CONSTANT_S = 300;
const CRAC_AIR_TIME_CONSTANT_S = 120;
/** Room moisture: dew point held by the humidifier/dehumidifier (inside the ASHRAE −9..15 °C band). */
const ROOM_DEW_POINT_C = 10;
/** Evaporative heat rejection: water evaporated per kWh of heat removed (typical WUE ~1.8 L/kWh). */
const WATER_L_PER_KWH_HEAT = 1.8;
const DEMAND_WINDOW_MS = 15 * 60_000;
/** Overload beyond this many seconds makes the UPS transfer to static bypass (inverter protects itself). */
const DEFAULT_OVERLOAD_BYPASS_AFTER_S = 30;
const DEFAULT_GENERATOR_START_S = 10;
const LOAD_POWER_FACTOR_BY_DEFAULT = 0.95;

// ---------------------------------------------------------------- state extensions (ground truth beyond the contract)

export interface UpsModelState extends UpsState {
  /** Σ inlet power of the PDUs on this UPS. */
  pduInputW: number;
  distributionLossW: number;
  /** Load on the output bus that is not a rack PDU (only under ups_overload). */
  otherLoadW: number;
  /** Power into the battery path: + charging (from mains, incl. charger losses), − discharging. */
  batteryPowerW: number;
  inputAvailable: boolean;
  /** Battery health 0..1 (1 = as new; battery_bad = 0.1). */
  batteryHealth: number;
}

export interface OutletModelState extends OutletState { ratedCurrentA: number }
export interface PduModelState extends PduState { upsId: string; outlets: OutletModelState[] }

export interface CracModelState extends CracState {
  /** Heat to remove: its racks, plus a share of a failed neighbour's. */
  heatLoadW: number;
  ratedCoolingW: number;
  cop: number;
  supplySetpointC: number;
  powered: boolean;
}

export interface SensorReading { inletTopC: number; inletMiddleC: number; inletBottomC: number; outletC: number; humidityPct: number }
/** What the sensor reports (frozen or noisy under faults) plus the air it should have measured. */
export interface RackSensorModelState extends RackSensorState {
  mode: SensorMode;
  actual: SensorReading;
  /** Rack IT power (both feeds). */
  rackPowerW: number;
}

export interface FacilityModelState extends FacilityState {
  upsInputW: number;
  distributionLossW: number;
  otherLoadW: number;
  /** Σ battery power of all UPSes (+ charging, − discharging). */
  batteryPowerW: number;
  pvW: number;
  generatorW: number;
  utilityW: number;
  waterFlowLpm: number;
  utilityAvailable: boolean;
  generatorRunning: boolean;
  /** Heat removed by all CRACs (W thermal). */
  heatRemovedW: number;
}

export interface ModelSiteState extends SiteState {
  ups: Map<string, UpsModelState>;
  pdus: Map<string, PduModelState>;
  cracs: Map<string, CracModelState>;
  sensors: Map<string, RackSensorModelState>;
  facility: FacilityModelState;
}

export type CracCommand = { on: boolean } | { ack: true } | { reset: true } | { returnAirSetpointC: number };

export interface SiteModelOptions {
  /** Default: the spec's seed. */
  seed?: number;
  /** Simulated time of the first state (ms since epoch); default now. */
  startSimTimeMs?: number;
  /** Overrides of the spec's optional extras. */
  longitude?: number;
  pvPeakW?: number;
}

// ---------------------------------------------------------------- internal plan and memory

interface PduPlan {
  id: string;
  index: number;
  rackIndex: number;
  feed: 'A' | 'B';
  vendor: PduVendor;
  ratedCurrentA: number;
  upsIndex: number;
  outletCount: number;
  outletNames: string[];
  outletPowerFactor: Float64Array;
  /** Switched state (outlet switching via the PDU, or spare outlets switched off at install). */
  outletOn: Uint8Array;
  outletEnergyWh: Float64Array;
  outletPrevW: Float64Array;
  inletEnergyWh: number;
  inletPrevW: number;
}

interface RackPlan {
  spec: RackSpec;
  index: number;
  serverCount: number;
  serverWeight: Float64Array;
  /** Fraction of each server's power drawn from feed A while both feeds are live (PSU sharing imbalance). */
  serverShareA: Float64Array;
  pduA: PduPlan;
  pduB: PduPlan;
  cracIndex: number;
  /** Position in the room: end-of-row racks and hot spots run warmer. */
  inletOffsetC: number;
  inletTopC: number;
  inletMiddleC: number;
  inletBottomC: number;
  frozenReading?: SensorReading;
}

interface UpsMemory {
  spec: UpsSpec;
  index: number;
  cells: number;
  capacityWh: number;
  voltageOffsetV: number;
  charge: number;
  alarmTable: UpsAlarmTable;
  inputLineBads: number;
  secondsOnBattery: number;
  mode: UpsOutputSource;
  mainsAvailable: boolean;
  overloadSinceMs: number | null;
  outputEnergyWh: number;
  prevOutputW: number;
}

interface CracMemory {
  spec: CracSpec;
  index: number;
  rackIndexes: number[];
  commandedOn: boolean;
  returnSetpointC: number;
  acknowledged: boolean;
  supplyC: number;
  returnC: number;
}

interface MeterMemory {
  spec: MeterSpec;
  energyWh: number;
  volumeL: number;
  prevPowerW: number;
  prevFlowLpm: number;
  /** (time, counter) samples covering the demand window. */
  history: { tMs: number; energyWh: number }[];
}

/** Faults of one tick, indexed for the loops. */
interface TickFaults {
  siteUtilityFailure?: { createdAtMs: number; generator: boolean; generatorStartDelayS: number };
  upsFeederFailed: Set<string>;
  batteryBad: Set<string>;
  overload: Map<string, { percentLoad: number; bypassAfterS: number }>;
  bypass: Set<string>;
  breakerTripped: Set<string>;
  outletOverload: Map<string, Map<number, number>>;
  /** Per PDU: outlet index (0-based) → W drawn by something undocumented (switched on while it lasts). */
  undocumentedLoad: Map<string, Map<number, number>>;
  /** Per PDU: outlet indexes (0-based) switched off while the fault lasts. */
  outletsOff: Map<string, Set<number>>;
  cracFailed: Set<string>;
  sensorMode: Map<string, SensorMode>;
  sensorNoiseAmplitudeC: Map<string, number>;
}

const HOUR_MS = 3_600_000;

function trapezoidWh(prevW: number, nowW: number, dtH: number): number {
  return (prevW + nowW) / 2 * dtH;
}

// ---------------------------------------------------------------- the model

export class SiteModel {
  readonly spec: SiteSpec;
  readonly seed: number;
  readonly faults: FaultRegistry;
  private readonly longitude: number;
  private readonly pvPeakW: number;
  private readonly racks: RackPlan[] = [];
  private readonly pdus: PduPlan[] = [];
  private readonly pduById = new Map<string, PduPlan>();
  private readonly ups: UpsMemory[];
  private readonly upsIndexById = new Map<string, number>();
  private readonly cracs: CracMemory[];
  private readonly cracById = new Map<string, CracMemory>();
  private readonly meters: MeterMemory[];
  private readonly deviceKinds: Map<string, SimDeviceKind>;
  private readonly listeners = new Set<(state: SiteState) => void>();
  private simTimeMs: number;
  private current!: ModelSiteState;
  private initialised = false;
  private scratchA = new Float64Array(64);
  private scratchB = new Float64Array(64);

  constructor(spec: SiteSpec, opts: SiteModelOptions = {}) {
    this.spec = spec;
    this.seed = opts.seed ?? spec.seed;
    const extras = spec as SiteSpec & SiteSpecExtras;
    this.longitude = opts.longitude ?? extras.longitude ?? 139.69;
    this.pvPeakW = opts.pvPeakW ?? extras.pvPeakW ?? 0.05 * spec.racks.reduce((s, r) => s + r.itLoadW, 0);
    this.simTimeMs = opts.startSimTimeMs ?? Date.now();
    this.deviceKinds = siteDeviceKinds(spec);
    this.faults = new FaultRegistry({ spec, now: () => this.simTimeMs });

    this.ups = spec.ups.map((u, index) => {
      this.upsIndexById.set(u.id, index);
      const initialRng = mulberry32(deriveSeed(this.seed, `ups:${u.id}`));
      return {
        spec: u, index, cells: batteryCellsPerString(u.ratedW), capacityWh: batteryCapacityWh(u.ratedW, u.nominalRuntimeMin),
        voltageOffsetV: (initialRng() * 2 - 1) * 1.5, charge: 1, alarmTable: EMPTY_ALARM_TABLE, inputLineBads: 0,
        secondsOnBattery: 0, mode: 'normal', mainsAvailable: true, overloadSinceMs: null,
        outputEnergyWh: Math.round(initialRng() * 5e8), prevOutputW: 0,
      };
    });
    this.cracs = spec.cracs.map((c, index) => {
      const memory: CracMemory = {
        spec: c, index, rackIndexes: [], commandedOn: true, returnSetpointC: DEFAULT_RETURN_SETPOINT_C,
        acknowledged: false, supplyC: SUPPLY_AIR_SETPOINT_C, returnC: SUPPLY_AIR_SETPOINT_C + 8,
      };
      this.cracById.set(c.id, memory);
      return memory;
    });
    const rowEnds = new Set<string>();
    const racksByRow = new Map<string, RackSpec[]>();
    for (const r of spec.racks) racksByRow.set(r.row, [...(racksByRow.get(r.row) ?? []), r]);
    for (const row of racksByRow.values()) { rowEnds.add(row[0].id); rowEnds.add(row[row.length - 1].id); }
    for (const [index, r] of spec.racks.entries()) this.racks.push(this.planRack(r, index, rowEnds.has(r.id)));
    this.meters = spec.meters.map((m) => {
      const rng = mulberry32(deriveSeed(this.seed, `meter:${m.id}`));
      const base = m.kind === 'utility' ? 1e9 : m.kind === 'pv' ? 1e7 : 1e6;
      return {
        spec: m, energyWh: m.kind === 'water' ? 0 : Math.round(base + rng() * base), volumeL: m.kind === 'water' ? Math.round(1e6 + rng() * 1e6) : 0,
        prevPowerW: 0, prevFlowLpm: 0, history: [],
      };
    });

    this.faults.onChange(() => this.advance(this.simTimeMs));
    this.advance(this.simTimeMs);
  }

  private planRack(r: RackSpec, index: number, endOfRow: boolean): RackPlan {
    const rng = mulberry32(deriveSeed(this.seed, `rack:${r.id}`));
    const outlets = r.outletsPerPdu;
    const layout = rackServerLayout(r);
    const serverCount = layout.serverCount;
    const spareOff = Math.min(SPARE_OUTLETS_SWITCHED_OFF, layout.spareOutlets.length);
    const weights = new Float64Array(serverCount);
    const shareA = new Float64Array(serverCount);
    let weightSum = 0;
    for (let i = 0; i < serverCount; i++) { weights[i] = 0.6 + rng() * 0.8; weightSum += weights[i]; shareA[i] = 0.5 + (rng() * 2 - 1) * 0.03; }
    for (let i = 0; i < serverCount; i++) weights[i] /= weightSum;
    const powerFactors = new Float64Array(outlets);
    const names: string[] = [];
    for (let k = 0; k < outlets; k++) {
      // Server PSUs with active PFC: 0.93–0.99 at typical load.
      powerFactors[k] = k < serverCount ? 0.93 + rng() * 0.06 : 1;
      names.push(k < serverCount ? layout.servers[k].name : k < serverCount + spareOff ? 'spare' : '');
    }
    const makePdu = (feed: 'A' | 'B'): PduPlan => {
      const id = pduIdOf(r.id, feed);
      const upsIndex = this.upsIndexById.get(feed === 'A' ? r.upsA : r.upsB);
      if (upsIndex === undefined) throw new Error(`rack ${r.id}: unknown UPS '${feed === 'A' ? r.upsA : r.upsB}'`);
      const outletOn = new Uint8Array(outlets).fill(1);
      for (let k = serverCount; k < serverCount + spareOff; k++) outletOn[k] = 0;
      const outletEnergyWh = new Float64Array(outlets);
      let inletEnergyWh = 0;
      for (let k = 0; k < serverCount; k++) { outletEnergyWh[k] = Math.round(rng() * 300_000); inletEnergyWh += outletEnergyWh[k]; }
      const pdu: PduPlan = {
        id, index: this.pdus.length, rackIndex: index, feed, vendor: r.pduVendor, ratedCurrentA: r.pduRatedCurrentA, upsIndex,
        outletCount: outlets, outletNames: names, outletPowerFactor: powerFactors, outletOn, outletEnergyWh,
        outletPrevW: new Float64Array(outlets), inletEnergyWh, inletPrevW: 0,
      };
      this.pdus.push(pdu);
      this.pduById.set(id, pdu);
      return pdu;
    };
    const crac = this.cracById.get(r.crac);
    if (!crac) throw new Error(`rack ${r.id}: unknown CRAC '${r.crac}'`);
    crac.rackIndexes.push(index);
    return {
      spec: r, index, serverCount, serverWeight: weights, serverShareA: shareA, pduA: makePdu('A'), pduB: makePdu('B'),
      cracIndex: crac.index, inletOffsetC: (rng() * 2 - 1) * 0.8 + (endOfRow ? 1.0 : 0),
      inletTopC: 0, inletMiddleC: 0, inletBottomC: 0,
    };
  }

  // ---------------------------------------------------------------- public API

  /** The state of the latest tick (replaced by each advance; never mutate it). */
  state(): ModelSiteState {
    return this.current;
  }

  get timeMs(): number {
    return this.simTimeMs;
  }

  /** Called after every advance, including the re-evaluation after a fault is injected or cleared. */
  subscribe(listener: (state: SiteState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Kind of a device id (racks count as their sensor), or undefined. */
  deviceKind(deviceId: string): SimDeviceKind | undefined {
    if (this.deviceKinds.has(deviceId)) return this.deviceKinds.get(deviceId);
    return this.deviceKinds.has(sensorIdOf(deviceId)) ? 'sensor' : undefined;
  }

  /** Ground truth of one device (`facility` for the facility totals), JSON-friendly; undefined if unknown. */
  truth(deviceId: string): object | undefined {
    const s = this.current;
    if (deviceId === 'facility') return s.facility;
    const found = s.ups.get(deviceId) ?? s.pdus.get(deviceId) ?? s.cracs.get(deviceId) ?? s.meters.get(deviceId) ?? s.sensors.get(deviceId);
    if (found) return found;
    const rackId = deviceId.endsWith('-sensor') ? deviceId.slice(0, -'-sensor'.length) : undefined;
    return rackId !== undefined ? s.sensors.get(rackId) : undefined;
  }

  /** Outlet switching (the PDU's on/off control). Outlets are numbered from 1. */
  setOutletPower(pduId: string, outlet: number, on: boolean): void {
    const pdu = this.pduById.get(pduId);
    if (!pdu) throw new RangeError(`no PDU '${pduId}'`);
    if (!Number.isInteger(outlet) || outlet < 1 || outlet > pdu.outletCount) throw new RangeError(`${pduId} has outlets 1..${pdu.outletCount}, got ${outlet}`);
    pdu.outletOn[outlet - 1] = on ? 1 : 0;
    this.advance(this.simTimeMs);
  }

  /** Commands a CRAC controller accepts (iCOM: on/off, alarm acknowledge/reset, return-air set point). */
  commandCrac(cracId: string, command: CracCommand): void {
    const crac = this.cracById.get(cracId);
    if (!crac) throw new RangeError(`no CRAC '${cracId}'`);
    if ('on' in command) crac.commandedOn = command.on;
    else if ('ack' in command || 'reset' in command) crac.acknowledged = true;
    else if ('returnAirSetpointC' in command) crac.returnSetpointC = command.returnAirSetpointC;
    this.advance(this.simTimeMs);
  }

  /**
   * Move simulated time to `simTimeMs` and return the new state. Earlier times are ignored (time never runs
   * backwards); the same time re-evaluates the present instant (after a fault or a command).
   */
  advance(simTimeMs: number): ModelSiteState {
    if (!Number.isFinite(simTimeMs)) throw new RangeError(`simTimeMs must be finite, got ${simTimeMs}`);
    const t = Math.max(simTimeMs, this.simTimeMs);
    const dtS = this.initialised ? (t - this.simTimeMs) / 1000 : 0;
    this.simTimeMs = t;
    this.current = this.step(t, dtS);
    this.initialised = true;
    for (const listener of this.listeners) listener(this.current);
    return this.current;
  }

  // ---------------------------------------------------------------- one tick

  private collectFaults(): TickFaults {
    const f: TickFaults = {
      upsFeederFailed: new Set(), batteryBad: new Set(), overload: new Map(), bypass: new Set(), breakerTripped: new Set(),
      outletOverload: new Map(), undocumentedLoad: new Map(), outletsOff: new Map(), cracFailed: new Set(), sensorMode: new Map(), sensorNoiseAmplitudeC: new Map(),
    };
    for (const { fault, key, targetType } of this.faults.entries()) {
      const p = fault.params;
      switch (fault.kind) {
        case 'utility_failure':
          if (targetType === 'site' && key === SITE_TARGET) {
            // The earliest outage governs the generator start.
            if (!f.siteUtilityFailure || fault.createdAtMs < f.siteUtilityFailure.createdAtMs) {
              f.siteUtilityFailure = { createdAtMs: fault.createdAtMs, generator: p.generator !== false, generatorStartDelayS: Number(p.generatorStartDelayS ?? DEFAULT_GENERATOR_START_S) };
            }
          } else f.upsFeederFailed.add(key);
          break;
        case 'battery_bad': f.batteryBad.add(key); break;
        case 'ups_overload': f.overload.set(key, { percentLoad: Number(p.percentLoad), bypassAfterS: Number(p.bypassAfterS) }); break;
        case 'ups_bypass': f.bypass.add(key); break;
        case 'breaker_trip': f.breakerTripped.add(key); break;
        case 'outlet_overload': {
          const outlets = f.outletOverload.get(key) ?? new Map<number, number>();
          outlets.set(Number(p.outlet) - 1, p.currentA === undefined ? OUTLET_RATED_CURRENT_A * 1.25 : Number(p.currentA));
          f.outletOverload.set(key, outlets);
          break;
        }
        case 'undocumented_load': {
          const outlets = f.undocumentedLoad.get(key) ?? new Map<number, number>();
          outlets.set(Number(p.outlet) - 1, (outlets.get(Number(p.outlet) - 1) ?? 0) + Number(p.watts));
          f.undocumentedLoad.set(key, outlets);
          break;
        }
        case 'outlet_off': {
          // On a rack: the same outlet (the server's) on both of its PDUs.
          const pdus = targetType === 'rack' ? [pduIdOf(key, 'A'), pduIdOf(key, 'B')] : [key];
          for (const pduId of pdus) {
            const pdu = this.pduById.get(pduId);
            if (!pdu) continue;
            const index = p.server !== undefined ? pdu.outletNames.indexOf(String(p.server)) : Number(p.outlet) - 1;
            if (index < 0) continue;
            const off = f.outletsOff.get(pduId) ?? new Set<number>();
            off.add(index);
            f.outletsOff.set(pduId, off);
          }
          break;
        }
        case 'identity_changed': break; // what the device says about itself: the adapters read it
        case 'crac_failure': f.cracFailed.add(key); break;
        case 'sensor_silent': case 'sensor_stuck': case 'sensor_noisy':
          f.sensorMode.set(key, this.faults.sensorMode(key));
          if (fault.kind === 'sensor_noisy') f.sensorNoiseAmplitudeC.set(key, Number(p.amplitudeC ?? 3));
          break;
        default: break; // communication faults: the adapters read them
      }
    }
    return f;
  }

  private step(t: number, dtS: number): ModelSiteState {
    const dtH = dtS / 3600;
    const faults = this.collectFaults();
    const seed = this.seed;
    const localT = localSolarTimeMs(t, this.longitude);
    const outsideTempC = outsideTemperatureC(t, this.spec.latitude, this.longitude, seed);
    const noiseStep = Math.floor(t / LOAD_NOISE_PERIOD_MS);

    // --- utility, generator and what each UPS sees at its input
    const outage = faults.siteUtilityFailure;
    const utilityAvailable = !outage;
    const generatorRunning = !!outage && outage.generator && t - outage.createdAtMs >= outage.generatorStartDelayS * 1000;
    const sitePowered = utilityAvailable || generatorRunning;
    const mainsFrequencyHz = NOMINAL_FREQUENCY_HZ + hashNoise(seed, 0xf5e9, noiseStep, generatorRunning ? 0.1 : 0.02);

    const upsCount = this.ups.length;
    const upsMode: UpsOutputSource[] = new Array(upsCount);
    const upsOutputVoltageV = new Float64Array(upsCount);
    const upsInputVoltageV = new Float64Array(upsCount);
    for (const u of this.ups) {
      const mainsOk = sitePowered && !faults.upsFeederFailed.has(u.spec.id);
      if (u.mainsAvailable && !mainsOk) u.inputLineBads++;
      u.mainsAvailable = mainsOk;
      const overload = faults.overload.get(u.spec.id);
      const bypassAfterMs = (overload?.bypassAfterS ?? DEFAULT_OVERLOAD_BYPASS_AFTER_S) * 1000;
      let mode: UpsOutputSource;
      if (mainsOk) {
        mode = faults.bypass.has(u.spec.id) || (u.overloadSinceMs !== null && t - u.overloadSinceMs >= bypassAfterMs) ? 'bypass' : 'normal';
      } else mode = u.charge > 0 ? 'battery' : 'none';
      upsMode[u.index] = mode;
      const inputV = mainsOk ? NOMINAL_VOLTAGE_V + u.voltageOffsetV + hashNoise(seed, 0x1000 + u.index, noiseStep, 0.5) : 0;
      upsInputVoltageV[u.index] = inputV;
      // The inverter regulates its output; on bypass the load sees the mains voltage itself.
      upsOutputVoltageV[u.index] = mode === 'none' ? 0 : mode === 'bypass' ? inputV : NOMINAL_VOLTAGE_V + hashNoise(seed, 0x2000 + u.index, noiseStep, 0.2);
    }

    // --- racks: load → servers → outlets → PDU inlets
    const pduStates = new Map<string, PduModelState>();
    const upsPduInputW = new Float64Array(upsCount);
    const upsPduInputVA = new Float64Array(upsCount);
    const rackPowerW = new Float64Array(this.racks.length);
    const feedLive = (pdu: PduPlan) => upsMode[pdu.upsIndex] !== 'none' && !faults.breakerTripped.has(pdu.id);
    const epoch = Math.floor(t / LOAD_STEP_EPOCH_MS);
    const dailyFraction = dailyLoadFraction(localT, RACK_LOAD_SHAPE);
    let itW = 0;
    for (const rack of this.racks) {
      const r = rack.spec;
      const stream = rack.index * 8;
      const step = hashUnit(seed, stream + 1, epoch) < LOAD_STEP_PROBABILITY ? 1 + hashNoise(seed, stream + 2, epoch, LOAD_STEP_MAX_FRACTION) : 1;
      const demandW = Math.min(RACK_LOAD_CAP * r.itLoadW,
        r.itLoadW * dailyFraction * step * (1 + hashNoise(seed, stream + 3, noiseStep, LOAD_NOISE_FRACTION)));
      const a = rack.pduA;
      const b = rack.pduB;
      const liveA = feedLive(a);
      const liveB = feedLive(b);
      const nowA = this.scratchA.length >= a.outletCount ? this.scratchA : (this.scratchA = new Float64Array(a.outletCount));
      const nowB = this.scratchB.length >= b.outletCount ? this.scratchB : (this.scratchB = new Float64Array(b.outletCount));
      nowA.fill(0);
      nowB.fill(0);
      const onA = this.outletsOn(a, faults);
      const onB = this.outletsOn(b, faults);
      for (let i = 0; i < rack.serverCount; i++) {
        const serverW = demandW * rack.serverWeight[i];
        const psuA = liveA && onA[i] === 1;
        const psuB = liveB && onB[i] === 1;
        // Redundant PSUs share the load; when one loses power the other carries all of it.
        if (psuA && psuB) { nowA[i] = serverW * rack.serverShareA[i]; nowB[i] = serverW - nowA[i]; }
        else if (psuA) nowA[i] = serverW;
        else if (psuB) nowB[i] = serverW;
      }
      const stateA = this.stepPdu(rack, a, liveA, nowA, onA, upsMode, upsOutputVoltageV, mainsFrequencyHz, faults, dtH);
      const stateB = this.stepPdu(rack, b, liveB, nowB, onB, upsMode, upsOutputVoltageV, mainsFrequencyHz, faults, dtH);
      for (const [pdu, st] of [[a, stateA], [b, stateB]] as const) {
        upsPduInputW[pdu.upsIndex] += st.inlet.activePowerW;
        upsPduInputVA[pdu.upsIndex] += st.inlet.apparentPowerVA;
        pduStates.set(pdu.id, st);
      }
      const rackW = stateA.inlet.activePowerW + stateB.inlet.activePowerW;
      rackPowerW[rack.index] = rackW;
      itW += rackW;
    }

    // --- UPSes: output = PDU inputs + distribution loss; input, losses and battery by mode
    const upsStates = new Map<string, UpsModelState>();
    const fac = { pduInputW: 0, distributionLossW: 0, otherLoadW: 0, upsOutputW: 0, upsInputW: 0, upsLossesW: 0, batteryPowerW: 0 };
    for (const u of this.ups) {
      const id = u.spec.id;
      const ratedW = u.spec.ratedW;
      const mode = upsMode[u.index];
      const pduInputW = upsPduInputW[u.index];
      const distributionLossW = pduInputW * DISTRIBUTION_LOSS_FRACTION;
      const overload = faults.overload.get(id);
      const deliveredW = pduInputW + distributionLossW;
      const otherLoadW = overload && mode !== 'none' ? Math.max(0, overload.percentLoad / 100 * ratedW - deliveredW) : 0;
      const outputPowerW = deliveredW + otherLoadW;
      const outputApparentVA = upsPduInputVA[u.index] + distributionLossW + otherLoadW / LOAD_POWER_FACTOR_BY_DEFAULT;
      const outputVoltageV = upsOutputVoltageV[u.index];
      const health = faults.batteryBad.has(id) ? 0.1 : 1;
      const usableWh = u.capacityWh * health;
      const inverterLossW = doubleConversionLossW(outputPowerW, ratedW);

      let inputPowerW = 0;
      let lossesW = 0;
      let batteryPowerW = 0;
      if (mode === 'battery') {
        const dischargeW = outputPowerW + inverterLossW;
        lossesW = inverterLossW;
        batteryPowerW = -dischargeW;
        u.charge = Math.max(0, u.charge - dischargeW * dtH / usableWh);
        u.secondsOnBattery = u.mode === 'battery' ? u.secondsOnBattery + dtS : 0;
      } else if (mode === 'normal' || mode === 'bypass') {
        lossesW = mode === 'normal' ? inverterLossW : bypassLossW(outputPowerW, ratedW);
        batteryPowerW = chargerInputW(u.charge, usableWh);
        inputPowerW = outputPowerW + lossesW + batteryPowerW;
        u.charge = rechargedFraction(u.charge, dtS);
        u.secondsOnBattery = 0;
      } else {
        u.secondsOnBattery = 0;
      }
      u.mode = mode;

      const percentLoad = Math.max(outputPowerW / ratedW, outputApparentVA / u.spec.ratedVA) * 100;
      if (percentLoad > 100) u.overloadSinceMs ??= t;
      else u.overloadSinceMs = null;

      const minutesRemaining = mode === 'none' ? 0 : runtimeMinutes(u.charge, usableWh, outputPowerW + inverterLossW);
      let batteryStatus: UpsBatteryStatus = 'normal';
      if (u.charge <= 0) batteryStatus = 'depleted';
      else if (minutesRemaining <= LOW_BATTERY_MINUTES) batteryStatus = 'low';
      else if (health < 1) batteryStatus = 'unknown';

      const present = new Set<UpsAlarmName>();
      if (health < 1) present.add('batteryBad');
      if (mode === 'battery') present.add('onBattery');
      if (batteryStatus === 'low' || batteryStatus === 'depleted') present.add('lowBattery');
      if (batteryStatus === 'depleted') present.add('depletedBattery');
      if (percentLoad > 100) present.add('outputOverload');
      if (mode === 'bypass') present.add('onBypass');
      if (mode === 'none') present.add('upsOutputOff');
      u.alarmTable = reconcileAlarmTable(u.alarmTable, present, t);

      u.outputEnergyWh += trapezoidWh(u.prevOutputW, outputPowerW, dtH);
      u.prevOutputW = outputPowerW;

      const batteryMode = batteryPowerW < 0 ? 'discharging' : batteryPowerW > 1e-6 ? 'charging' : 'float';
      const batteryV = batteryVoltageV(u.cells, u.charge, batteryMode, -batteryPowerW / (u.capacityWh || 1));
      const inputV = upsInputVoltageV[u.index];
      const onBypass = mode === 'bypass';
      upsStates.set(id, {
        id, ratedW, ratedVA: u.spec.ratedVA, source: mode,
        inputVoltageV: inputV, inputFrequencyHz: inputV > 0 ? mainsFrequencyHz : 0,
        inputCurrentA: inputV > 0 ? inputPowerW / (inputV * 0.99) : 0, inputPowerW, inputLineBads: u.inputLineBads,
        outputVoltageV, outputFrequencyHz: mode === 'none' ? 0 : onBypass ? mainsFrequencyHz : NOMINAL_FREQUENCY_HZ,
        outputCurrentA: outputVoltageV > 0 ? outputApparentVA / outputVoltageV : 0, outputPowerW, outputApparentVA: mode === 'none' ? 0 : outputApparentVA,
        outputPercentLoad: percentLoad,
        bypassVoltageV: inputV, bypassFrequencyHz: inputV > 0 ? mainsFrequencyHz : 0,
        bypassCurrentA: onBypass && inputV > 0 ? outputApparentVA / inputV : 0, bypassPowerW: onBypass ? outputPowerW : 0,
        batteryStatus, secondsOnBattery: u.secondsOnBattery, minutesRemaining, chargePercent: u.charge * 100,
        batteryVoltageV: batteryV, batteryCurrentA: batteryPowerW / batteryV,
        batteryTemperatureC: 25 + 3 * Math.min(1, outputPowerW / ratedW) + (u.voltageOffsetV / 1.5) * 0.5,
        lossesW, efficiencyPercent: outputPowerW > 0 ? outputPowerW / (outputPowerW + lossesW) * 100 : 0,
        outputEnergyWh: u.outputEnergyWh, alarms: [...u.alarmTable.rows],
        pduInputW, distributionLossW, otherLoadW, batteryPowerW, inputAvailable: u.mainsAvailable, batteryHealth: health,
      });
      fac.pduInputW += pduInputW;
      fac.distributionLossW += distributionLossW;
      fac.otherLoadW += otherLoadW;
      fac.upsOutputW += outputPowerW;
      fac.upsInputW += inputPowerW;
      fac.upsLossesW += lossesW;
      fac.batteryPowerW += batteryPowerW;
    }

    // --- cooling: which CRACs run, how much heat each removes, and the room's temperatures
    const cracCount = this.cracs.length;
    const cracHeatW = new Float64Array(cracCount);
    for (const rack of this.racks) cracHeatW[rack.cracIndex] += rackPowerW[rack.index];
    const running = this.cracs.map((c) => sitePowered && c.commandedOn && !faults.cracFailed.has(c.spec.id));
    const failedHeatByRoom = new Map<string, number>();
    const runningByRoom = new Map<string, number>();
    for (const c of this.cracs) {
      if (running[c.index]) runningByRoom.set(c.spec.room, (runningByRoom.get(c.spec.room) ?? 0) + 1);
      else failedHeatByRoom.set(c.spec.room, (failedHeatByRoom.get(c.spec.room) ?? 0) + cracHeatW[c.index]);
    }
    const cop = coolingCop(outsideTempC);
    const cracStates = new Map<string, CracModelState>();
    const coolingByCrac = new Float64Array(cracCount);
    const fanPctByCrac = new Float64Array(cracCount);
    let coolingElectricalW = 0;
    let heatRemovedW = 0;
    for (const c of this.cracs) {
      if (!running[c.index]) continue;
      const neighbours = runningByRoom.get(c.spec.room) ?? 1;
      const reliefW = (failedHeatByRoom.get(c.spec.room) ?? 0) * FAILED_CRAC_RELIEF_FRACTION / neighbours;
      const coolingW = Math.min(c.spec.ratedCoolingW, cracHeatW[c.index] + reliefW);
      coolingByCrac[c.index] = coolingW;
      fanPctByCrac[c.index] = Math.min(100, CRAC_MIN_FAN_PCT + (100 - CRAC_MIN_FAN_PCT) * coolingW / c.spec.ratedCoolingW);
    }

    // Rack inlets: each level lags toward a target set by its CRAC (or by recirculation when it has none).
    const sensorStates = new Map<string, RackSensorModelState>();
    const rackOutletSumByCrac = new Float64Array(cracCount);
    const rackInletSumByCrac = new Float64Array(cracCount);
    for (const rack of this.racks) {
      const c = this.cracs[rack.cracIndex];
      const supplySetpointC = SUPPLY_AIR_SETPOINT_C + (c.returnSetpointC - DEFAULT_RETURN_SETPOINT_C);
      const rackDeltaTK = RACK_DESIGN_DELTA_T_K * rackPowerW[rack.index] / rack.spec.itLoadW;
      let recirculationK = 0;
      if (!running[rack.cracIndex]) {
        const relief = (runningByRoom.get(c.spec.room) ?? 0) > 0 ? FAILED_CRAC_RELIEF_FRACTION : 0;
        recirculationK = (1 - relief) * rackDeltaTK + RECIRCULATION_RISE_K;
      }
      const base = supplySetpointC + rack.inletOffsetC;
      const targetBottom = base + 0.6 + 0.8 * recirculationK;
      const targetMiddle = base + 1.5 + recirculationK;
      const targetTop = base + 3.0 + 1.2 * recirculationK; // warm air rises: the top of the rack sees it first
      if (!this.initialised) {
        rack.inletBottomC = targetBottom; rack.inletMiddleC = targetMiddle; rack.inletTopC = targetTop;
      } else {
        rack.inletBottomC = firstOrderLag(rack.inletBottomC, targetBottom, dtS, INLET_TIME_CONSTANT_S);
        rack.inletMiddleC = firstOrderLag(rack.inletMiddleC, targetMiddle, dtS, INLET_TIME_CONSTANT_S);
        rack.inletTopC = firstOrderLag(rack.inletTopC, targetTop, dtS, INLET_TIME_CONSTANT_S);
      }
      const actual: SensorReading = {
        inletTopC: rack.inletTopC, inletMiddleC: rack.inletMiddleC, inletBottomC: rack.inletBottomC,
        outletC: rack.inletMiddleC + rackDeltaTK,
        humidityPct: relativeHumidityPct(rack.inletMiddleC, ROOM_DEW_POINT_C),
      };
      rackOutletSumByCrac[rack.cracIndex] += actual.outletC;
      rackInletSumByCrac[rack.cracIndex] += actual.inletMiddleC;
      const mode = faults.sensorMode.get(rack.spec.id) ?? 'normal';
      let reported: SensorReading = actual;
      if (mode === 'stuck') {
        // Frozen at whatever the sensor showed when it stuck.
        rack.frozenReading ??= this.current?.sensors.get(rack.spec.id) ? pickReading(this.current.sensors.get(rack.spec.id)!) : actual;
        reported = rack.frozenReading;
      } else {
        rack.frozenReading = undefined;
        if (mode === 'noisy') {
          const amplitude = faults.sensorNoiseAmplitudeC.get(rack.spec.id) ?? 3;
          const n = (k: number, a: number) => hashNoise(seed, rack.index * 8 + 4 + k, Math.floor(t / 1000), a);
          reported = {
            inletTopC: actual.inletTopC + n(0, amplitude), inletMiddleC: actual.inletMiddleC + n(1, amplitude),
            inletBottomC: actual.inletBottomC + n(2, amplitude), outletC: actual.outletC + n(3, amplitude),
            humidityPct: Math.min(100, Math.max(0, actual.humidityPct + n(4, amplitude * 2))),
          };
        }
      }
      sensorStates.set(rack.spec.id, { rackId: rack.spec.id, ...reported, mode, actual, rackPowerW: rackPowerW[rack.index] });
    }

    for (const c of this.cracs) {
      const isRunning = running[c.index];
      const failed = faults.cracFailed.has(c.spec.id);
      const supplySetpointC = SUPPLY_AIR_SETPOINT_C + (c.returnSetpointC - DEFAULT_RETURN_SETPOINT_C);
      const coolingW = coolingByCrac[c.index];
      const fanPct = fanPctByCrac[c.index];
      const rackCount = Math.max(1, c.rackIndexes.length);
      let supplyTargetC: number;
      let returnTargetC: number;
      if (isRunning) {
        supplyTargetC = supplySetpointC + hashNoise(seed, 0x3000 + c.index, noiseStep, 0.15);
        // Air temperature rise through the coil: heat / (ρ·cp·airflow), airflow ∝ fan speed.
        returnTargetC = supplyTargetC + CRAC_DESIGN_DELTA_T_K * (coolingW / c.spec.ratedCoolingW) / (fanPct / 100);
      } else {
        // No airflow through the coil: the unit's sensors read the room air around it.
        supplyTargetC = rackInletSumByCrac[c.index] / rackCount;
        returnTargetC = rackOutletSumByCrac[c.index] / rackCount;
      }
      if (!this.initialised) { c.supplyC = supplyTargetC; c.returnC = returnTargetC; }
      else {
        c.supplyC = firstOrderLag(c.supplyC, supplyTargetC, dtS, CRAC_AIR_TIME_CONSTANT_S);
        c.returnC = firstOrderLag(c.returnC, returnTargetC, dtS, CRAC_AIR_TIME_CONSTANT_S);
      }
      const fanW = isRunning ? CRAC_FAN_POWER_FRACTION * c.spec.ratedCoolingW * (fanPct / 100) ** 3 : 0;
      const electricalPowerW = isRunning ? coolingW / cop + fanW : 0;
      coolingElectricalW += electricalPowerW;
      heatRemovedW += coolingW;
      if (!failed) c.acknowledged = false; // acknowledgement belongs to the alarm it acknowledged
      const state: CracOperatingState = isRunning ? 'on' : 'off';
      const capacityPct = coolingW / c.spec.ratedCoolingW * 100;
      cracStates.set(c.spec.id, {
        id: c.spec.id, state,
        supplyAirTempC: c.supplyC, returnAirTempC: c.returnC,
        returnHumidityPct: relativeHumidityPct(c.returnC, ROOM_DEW_POINT_C), supplyHumidityPct: relativeHumidityPct(c.supplyC, ROOM_DEW_POINT_C),
        fanSpeedPct: fanPct, coolingCapacityPct: capacityPct, coolingW, electricalPowerW,
        systemStatus: failed ? 16 : !sitePowered ? 32 : isRunning && capacityPct > 95 ? 8 : 1,
        alarmActive: failed, alarmAcknowledged: failed && c.acknowledged,
        heatLoadW: cracHeatW[c.index], ratedCoolingW: c.spec.ratedCoolingW, cop, supplySetpointC, powered: sitePowered,
      });
    }

    // --- facility balance and meters
    const lightingW = sitePowered ? this.spec.lightingW : 0;
    const totalW = fac.upsInputW + coolingElectricalW + lightingW;
    // Grid-tied PV inverters disconnect when the grid is lost (anti-islanding), also on generator.
    const pvW = utilityAvailable ? pvOutputW(t, this.spec.latitude, this.longitude, this.pvPeakW, seed) : 0;
    const generatorW = generatorRunning ? totalW : 0;
    const utilityW = totalW - pvW - generatorW;
    const waterFlowLpm = heatRemovedW / 1000 * WATER_L_PER_KWH_HEAT / 60;

    const meterStates = new Map<string, MeterState>();
    for (const m of this.meters) meterStates.set(m.spec.id, this.stepMeter(m, t, dtH, { utilityW, generatorW, pvW, waterFlowLpm, utilityAvailable, generatorRunning }));

    const facility: FacilityModelState = {
      outsideTempC, itW, pduInputW: fac.pduInputW, upsOutputW: fac.upsOutputW, upsLossesW: fac.upsLossesW,
      coolingW: coolingElectricalW, lightingW, totalW,
      upsInputW: fac.upsInputW, distributionLossW: fac.distributionLossW, otherLoadW: fac.otherLoadW, batteryPowerW: fac.batteryPowerW,
      pvW, generatorW, utilityW, waterFlowLpm, utilityAvailable, generatorRunning, heatRemovedW,
    };
    return { simTimeMs: t, ups: upsStates, pdus: pduStates, cracs: cracStates, sensors: sensorStates, meters: meterStates, facility };
  }

  /**
   * Which outlets of a PDU are switched on this tick: its switched state, with an undocumented load's outlet
   * switched on and an outlet_off's outlet switched off while the fault lasts (off wins).
   */
  private outletsOn(pdu: PduPlan, faults: TickFaults): Uint8Array {
    const loads = faults.undocumentedLoad.get(pdu.id);
    const off = faults.outletsOff.get(pdu.id);
    if (!loads && !off) return pdu.outletOn;
    const on = Uint8Array.from(pdu.outletOn);
    for (const k of loads?.keys() ?? []) if (k < on.length) on[k] = 1;
    for (const k of off ?? []) if (k < on.length) on[k] = 0;
    return on;
  }

  /**
   * Outlets and inlet of one PDU for this tick; `outletW` holds the power each outlet's load draws, `outletOn`
   * which outlets are switched on (see outletsOn).
   */
  private stepPdu(rack: RackPlan, pdu: PduPlan, live: boolean, outletW: Float64Array, outletOn: Uint8Array, upsMode: UpsOutputSource[],
    upsOutputVoltageV: Float64Array, mainsFrequencyHz: number, faults: TickFaults, dtH: number): PduModelState {
    const mode = upsMode[pdu.upsIndex];
    const upsAlive = mode !== 'none';
    // Voltage drop across the distribution matches its loss fraction (I²R / VI = IR / V). The inlet is
    // metered ahead of the breaker, so a tripped PDU still shows inlet voltage but dead outlets.
    const inletV = upsAlive ? upsOutputVoltageV[pdu.upsIndex] * (1 - DISTRIBUTION_LOSS_FRACTION) : 0;
    const outletV = live ? inletV : 0;
    const undocumented = faults.undocumentedLoad.get(pdu.id);
    if (undocumented && live) {
      for (const [k, watts] of undocumented) if (outletOn[k] === 1) outletW[k] += watts;
    }
    const overloads = faults.outletOverload.get(pdu.id);
    if (overloads && live) {
      for (const [k, currentA] of overloads) {
        if (outletOn[k] !== 1) continue; // a switched-off outlet carries nothing, whatever is plugged in
        outletW[k] = currentA * outletV * this.outletPowerFactor(rack, pdu, k, 1);
      }
    }
    const outlets: OutletModelState[] = new Array(pdu.outletCount);
    let inletW = 0;
    let inletVA = 0;
    for (let k = 0; k < pdu.outletCount; k++) {
      const p = outletW[k];
      const pf = this.outletPowerFactor(rack, pdu, k, p);
      const va = p / pf;
      const currentA = outletV > 0 ? va / outletV : 0;
      pdu.outletEnergyWh[k] += trapezoidWh(pdu.outletPrevW[k], p, dtH);
      pdu.outletPrevW[k] = p;
      inletW += p;
      inletVA += va;
      outlets[k] = {
        index: k + 1, name: pdu.outletNames[k], on: outletOn[k] === 1, voltageV: outletV, currentA,
        activePowerW: p, apparentPowerVA: va, powerFactor: pf, activeEnergyWh: pdu.outletEnergyWh[k],
        overload: currentA > OUTLET_RATED_CURRENT_A, ratedCurrentA: OUTLET_RATED_CURRENT_A,
      };
    }
    pdu.inletEnergyWh += trapezoidWh(pdu.inletPrevW, inletW, dtH);
    pdu.inletPrevW = inletW;
    return {
      id: pdu.id, rackId: rack.spec.id, feed: pdu.feed, vendor: pdu.vendor, ratedCurrentA: pdu.ratedCurrentA,
      upsId: this.ups[pdu.upsIndex].spec.id,
      inlet: {
        voltageV: inletV, currentA: inletV > 0 ? inletVA / inletV : 0, activePowerW: inletW, apparentPowerVA: inletVA,
        powerFactor: inletVA > 0 ? inletW / inletVA : 1, activeEnergyWh: pdu.inletEnergyWh,
        frequencyHz: !upsAlive ? 0 : mode === 'bypass' ? mainsFrequencyHz : NOMINAL_FREQUENCY_HZ,
      },
      breakerTripped: faults.breakerTripped.has(pdu.id),
      outlets,
    };
  }

  /** Server outlets have their PSU's power factor; anything plugged into a spare outlet a generic 0.95. */
  private outletPowerFactor(rack: RackPlan, pdu: PduPlan, k: number, powerW: number): number {
    if (k < rack.serverCount) return pdu.outletPowerFactor[k];
    return powerW > 0 ? LOAD_POWER_FACTOR_BY_DEFAULT : 1;
  }

  private stepMeter(m: MeterMemory, t: number, dtH: number,
    site: { utilityW: number; generatorW: number; pvW: number; waterFlowLpm: number; utilityAvailable: boolean; generatorRunning: boolean }): MeterState {
    const kind = m.spec.kind;
    if (kind === 'water') {
      m.volumeL += (m.prevFlowLpm + site.waterFlowLpm) / 2 * dtH * 60;
      m.prevFlowLpm = site.waterFlowLpm;
      return { id: m.spec.id, kind, powerW: 0, energyWh: 0, powerFactor: 0, demandW: 0, voltageV: 0, currentA: 0, volumeL: m.volumeL, flowLpm: site.waterFlowLpm };
    }
    const powerW = kind === 'utility' ? site.utilityW : kind === 'generator' ? site.generatorW : site.pvW;
    // Import-only register: export (PV surplus) does not count down the import counter.
    m.energyWh += trapezoidWh(Math.max(0, m.prevPowerW), Math.max(0, powerW), dtH);
    m.prevPowerW = powerW;
    m.history.push({ tMs: t, energyWh: m.energyWh });
    while (m.history.length > 2 && m.history[1].tMs <= t - DEMAND_WINDOW_MS) m.history.shift();
    const oldest = m.history[0];
    const windowH = (t - oldest.tMs) / HOUR_MS;
    const demandW = windowH > 0 ? (m.energyWh - oldest.energyWh) / windowH : Math.max(0, powerW);
    const live = kind === 'utility' ? site.utilityAvailable : kind === 'generator' ? site.generatorRunning : site.utilityAvailable;
    const voltageV = live ? METER_VOLTAGE_V : 0;
    const powerFactor = kind === 'pv' ? 1 : kind === 'generator' ? 0.95 : 0.98;
    return {
      id: m.spec.id, kind, powerW, energyWh: m.energyWh, powerFactor, demandW, voltageV,
      // Three-phase: I = P / (√3 · V_LL · pf), per phase.
      currentA: voltageV > 0 ? Math.abs(powerW) / (Math.sqrt(3) * voltageV * powerFactor) : 0,
      volumeL: 0, flowLpm: 0,
    };
  }
}

function pickReading(s: SensorReading): SensorReading {
  return { inletTopC: s.inletTopC, inletMiddleC: s.inletMiddleC, inletBottomC: s.inletBottomC, outletC: s.outletC, humidityPct: s.humidityPct };
}

/** Convert a state to plain JSON-friendly objects (Maps → objects keyed by id). */
export function siteStateToJson(state: SiteState): Record<string, unknown> {
  return {
    simTimeMs: state.simTimeMs,
    ups: Object.fromEntries(state.ups), pdus: Object.fromEntries(state.pdus), cracs: Object.fromEntries(state.cracs),
    sensors: Object.fromEntries(state.sensors), meters: Object.fromEntries(state.meters), facility: state.facility,
  };
}

/** The SimContext protocol adapters take, backed by a model (the integrator may build its own). */
export function simContextFor(model: SiteModel, startedAtMs: number): SimContext {
  return {
    spec: model.spec,
    state: () => model.state(),
    faults: model.faults,
    startedAtMs,
    onTick: (cb) => model.subscribe(cb),
  };
}
