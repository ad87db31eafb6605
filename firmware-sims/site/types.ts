/**
 * The simulated site: its description (what exists) and its state (what every device would report right
 * now). The physics model (firmware-sims/physics/site-model.ts) owns the state; protocol adapters
 * (firmware-sims/devices/*) only READ it and show it on the wire the way the real device does; the control
 * API exposes it as ground truth. All quantities are engineering values; field names carry the unit.
 */

// ---------------------------------------------------------------- description (site file / --racks N)

export type PduVendor = 'raritan' | 'sentry4';
export type MeterKind = 'utility' | 'generator' | 'pv' | 'water';

export interface RackSpec {
  id: string;                 // e.g. 'r1-a01' (room 1, row a, rack 01)
  room: string;
  row: string;
  heightU: number;            // 42
  /** Nominal IT load in W at 100 % of the daily pattern. */
  itLoadW: number;
  outletsPerPdu: number;      // 24
  pduVendor: PduVendor;       // both PDUs of a rack are the same family
  pduRatedCurrentA: number;   // per inlet, e.g. 32 (NEC/IEC continuous limit is 80 % of it)
  /** UPS feeding feed A and feed B of this rack. */
  upsA: string;
  upsB: string;
  /** CRAC unit that mainly cools this rack (its row's unit). */
  crac: string;
}

export interface UpsSpec { id: string; ratedW: number; ratedVA: number; batteryStrings: number; nominalRuntimeMin: number }
export interface CracSpec { id: string; room: string; ratedCoolingW: number }
export interface MeterSpec { id: string; kind: MeterKind; /** Modbus word order of 32/64-bit registers. */ wordOrder: 'ABCD' | 'CDAB' }
export interface RoomSpec { id: string; name: string; rows: string[] }

export interface SiteSpec {
  name: string;
  seed: number;
  /** Latitude for the PV sun model. */
  latitude: number;
  rooms: RoomSpec[];
  racks: RackSpec[];
  ups: UpsSpec[];
  cracs: CracSpec[];
  meters: MeterSpec[];
  /** Constant lighting and auxiliary load in W. */
  lightingW: number;
}

// ---------------------------------------------------------------- state (one physics tick)

export type UpsOutputSource = 'none' | 'normal' | 'bypass' | 'battery';
export type UpsBatteryStatus = 'unknown' | 'normal' | 'low' | 'depleted';

/** RFC 1628 well-known alarms (upsWellKnownAlarms .1.6.3.N): N is the enum value. */
export const UPS_WELL_KNOWN_ALARMS = {
  batteryBad: 1, onBattery: 2, lowBattery: 3, depletedBattery: 4, tempBad: 5, inputBad: 6, outputBad: 7,
  outputOverload: 8, onBypass: 9, bypassBad: 10, outputOffAsRequested: 11, upsOffAsRequested: 12,
  chargerFailed: 13, upsOutputOff: 14, upsSystemOff: 15, fanFailure: 16, fuseFailure: 17, generalFault: 18,
  diagnosticTestFailed: 19, communicationsLost: 20, awaitingPower: 21, shutdownPending: 22,
  shutdownImminent: 23, testInProgress: 24,
} as const;
export type UpsAlarmName = keyof typeof UPS_WELL_KNOWN_ALARMS;

export interface UpsAlarmRow {
  /** upsAlarmId: starts at 1, increments, wraps to the first free id (RFC 1628). */
  id: number;
  alarm: UpsAlarmName;
  /** Simulated time the alarm was detected (ms since epoch). */
  sinceMs: number;
}

export interface UpsState {
  id: string;
  ratedW: number;
  ratedVA: number;
  source: UpsOutputSource;
  inputVoltageV: number; inputFrequencyHz: number; inputCurrentA: number; inputPowerW: number;
  /** upsInputLineBads: Counter32 of input out-of-tolerance events. */
  inputLineBads: number;
  outputVoltageV: number; outputFrequencyHz: number; outputCurrentA: number;
  outputPowerW: number; outputApparentVA: number;
  /** Greater of W % and VA % of rating (RFC 1628), may exceed 100 on overload. */
  outputPercentLoad: number;
  bypassVoltageV: number; bypassFrequencyHz: number; bypassCurrentA: number; bypassPowerW: number;
  batteryStatus: UpsBatteryStatus;
  secondsOnBattery: number;
  minutesRemaining: number;
  chargePercent: number;
  batteryVoltageV: number;
  /** Positive while charging, negative while discharging. */
  batteryCurrentA: number;
  batteryTemperatureC: number;
  /** Input power − output power (W). */
  lossesW: number;
  efficiencyPercent: number;
  /** Output energy counter (Wh), monotonic. */
  outputEnergyWh: number;
  alarms: UpsAlarmRow[];
}

export interface OutletState {
  index: number;              // 1-based
  name: string;
  on: boolean;
  voltageV: number; currentA: number; activePowerW: number; apparentPowerVA: number;
  powerFactor: number;
  /** Active energy counter (Wh), monotonic. */
  activeEnergyWh: number;
  /** Overcurrent beyond the outlet rating. */
  overload: boolean;
}

export interface PduState {
  id: string;                 // `${rackId}-pdu-a` / `-pdu-b`
  rackId: string;
  feed: 'A' | 'B';
  vendor: PduVendor;
  ratedCurrentA: number;
  inlet: { voltageV: number; currentA: number; activePowerW: number; apparentPowerVA: number; powerFactor: number; activeEnergyWh: number; frequencyHz: number };
  /** The inlet breaker has tripped: every outlet is dead (0 W) until the fault is cleared. */
  breakerTripped: boolean;
  outlets: OutletState[];
}

export type CracOperatingState = 'off' | 'on' | 'standby';

export interface CracState {
  id: string;
  state: CracOperatingState;
  supplyAirTempC: number;
  returnAirTempC: number;
  returnHumidityPct: number;
  supplyHumidityPct: number;
  fanSpeedPct: number;
  coolingCapacityPct: number;
  /** Heat removed from the room (W thermal). */
  coolingW: number;
  /** Electrical power drawn by the unit (compressor + fans), W. */
  electricalPowerW: number;
  /** Liebert-style system status: 1 normal, 2 startup, 8 warning, 16 alarm, 32 abnormal. */
  systemStatus: 1 | 2 | 8 | 16 | 32;
  alarmActive: boolean;
  alarmAcknowledged: boolean;
}

export interface RackSensorState {
  rackId: string;
  inletTopC: number; inletMiddleC: number; inletBottomC: number;
  outletC: number;
  humidityPct: number;
}

export interface MeterState {
  id: string;
  kind: MeterKind;
  /** Electrical meters: W (import positive; PV and generator report their production). */
  powerW: number;
  /** Monotonic energy counter, Wh (electrical meters). */
  energyWh: number;
  powerFactor: number;
  /** Demand: mean power over the last 15 minutes, W. */
  demandW: number;
  voltageV: number;
  currentA: number;
  /** Water meter: volume counter in litres and flow in L/min (0 for electrical meters). */
  volumeL: number;
  flowLpm: number;
}

export interface FacilityState {
  outsideTempC: number;
  /** Sum of all outlet powers (IT load at the IT input). */
  itW: number;
  /** Sum of PDU inlet powers (PDU output + PDU losses ≈ IT). */
  pduInputW: number;
  upsOutputW: number;
  upsLossesW: number;
  coolingW: number;           // electrical power of all CRACs
  lightingW: number;
  /** = sum of UPS input powers + cooling + lighting; equals utility + generator + PV. */
  totalW: number;
}

export interface SiteState {
  /** Simulated time of this tick (ms since epoch). With --speed > 1 it runs ahead of the wall clock. */
  simTimeMs: number;
  ups: Map<string, UpsState>;
  pdus: Map<string, PduState>;
  cracs: Map<string, CracState>;
  sensors: Map<string, RackSensorState>;   // keyed by rackId
  meters: Map<string, MeterState>;
  facility: FacilityState;
}

// ---------------------------------------------------------------- faults

export type FaultKind =
  // physics faults: the model changes what the device experiences
  | 'utility_failure' | 'battery_bad' | 'ups_overload' | 'ups_bypass'
  | 'outlet_overload' | 'breaker_trip' | 'crac_failure'
  | 'sensor_stuck' | 'sensor_noisy' | 'sensor_silent'
  // configuration drift: reality no longer matches the documentation (the configuration audit finds it)
  | 'identity_changed' | 'undocumented_load' | 'outlet_off'
  // communication faults: the protocol adapter changes how the device answers
  | 'device_silent' | 'device_slow' | 'modbus_exception' | 'snmp_no_such_instance' | 'mqtt_malformed';

export interface Fault {
  id: string;
  kind: FaultKind;
  /** Device id (ups-1, r1-a01-pdu-a, crac-1, meter-utility) or rack id for sensor faults. */
  target: string;
  /** e.g. {outlet: 3} for outlet_overload, {delayMs: 3000} for device_slow, {code: 4} for modbus_exception. */
  params: Record<string, unknown>;
  createdAtMs: number;
}

/** What a device reports about itself instead of its factory nameplate (an `identity_changed` fault). */
export interface IdentityOverride { serial?: string; model?: string; firmware?: string }

/** What protocol adapters consult before answering. */
export interface CommFaults {
  /** The first active communication fault of this device, if any. */
  /** `protocol` narrows to faults that act on that interface (a UPS answers SNMP and Modbus separately). */
  forDevice(deviceId: string, protocol?: 'snmp' | 'modbus' | 'mqtt'): Fault | undefined;
  /**
   * The identity the device reports now when a unit was swapped (`identity_changed`), every interface of
   * it alike (a UPS's SNMP and Modbus cards show the same unit); undefined = its own nameplate.
   */
  identityOf?(deviceId: string): IdentityOverride | undefined;
}

// ---------------------------------------------------------------- what adapters get

export interface SimContext {
  spec: SiteSpec;
  /** The current tick's state (replaced each tick; never mutate it). */
  state(): SiteState;
  faults: CommFaults;
  /** Wall-clock ms when the simulator started (for sysUpTime and the like). */
  startedAtMs: number;
  /** Register a callback for each new tick (e.g. to emit traps or MQTT messages). */
  onTick(cb: (state: SiteState) => void): () => void;
}

/** One running device endpoint as listed by GET /sim/v1/devices. */
export interface SimEndpoint {
  id: string;
  kind: 'ups' | 'pdu' | 'crac' | 'sensor' | 'meter';
  protocol: 'snmp' | 'modbus' | 'mqtt';
  host: string;
  port: number;
  /** Collector profile that decodes this device, e.g. `rfc1628-ups`, `raritan-px2`, `liebert-icom`. */
  profile: string;
  vendor: string;
  model: string;
  snmp?: { version: '2c' | '3'; community?: string; /** Community that may SET (e.g. PDU outlet switching). */ writeCommunity?: string; v3?: { user: string; authProtocol: 'sha'; authKey: string; privProtocol: 'aes'; privKey: string } };
  modbus?: { unitId: number; wordOrder?: 'ABCD' | 'CDAB' };
  mqtt?: { brokerUrl: string; topic: string; availabilityTopic: string };
  rackId?: string;
}

/** The host a client uses for a device listening on `host`: the wildcard addresses are reached through loopback. */
export function advertisedHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
