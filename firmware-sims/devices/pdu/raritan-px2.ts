/**
 * Raritan PX2/PX3 personality: PDU2-MIB (enterprise 13742, pdu2 = .6) plus the MIB-II system group.
 *
 * OIDs follow the vendor MIB as used by NUT's raritan-px2-mib.c, xCAT's PDU2 plugin and Raritan's
 * "SNMP MIB User Guide": sensor readings are unsigned integers that a client divides by
 * 10^<entity>SensorDecimalDigits (same index) to get the unit named by <entity>SensorUnits; discrete
 * sensors (onOff, trip) report their reading in the State column and 0 as Value; measurements tables
 * are indexed by pduId (always 1 on a standalone PX), inlet/outlet/OCP number and sensorType.
 */
import type { SnmpValue } from '../../protocols/snmp-lite/ber.ts';
import { integerWrite, MibTemplate, parseOid, type MibInstanceDefinition, type MibWrite } from '../../protocols/snmp-lite/mib.ts';
import { berType, mib2SystemObjects, objectOid, type ObjectSpec, type VendorOidTable } from './oid-table.ts';
import { clampInt32, clampUnsigned32, nominalVoltageV, outletReading, type PduSnapshot } from './pdu-runtime.ts';

export const RARITAN_ENTERPRISE = '1.3.6.1.4.1.13742.6';
/** PX2/PX3 agents report the pdu2 node itself as sysObjectID (NUT matches on it). */
export const RARITAN_SYS_OBJECT_ID = '1.3.6.1.4.1.13742.6';
/** The only pduId of a standalone PDU. */
const PDU_ID = 1;
const INLET_ID = 1;
const OCP_ID = 1;
/** BoardTypeEnumeration mainController(1): the board whose firmware is the PDU's. */
const MAIN_CONTROLLER = 1;
/** Rated current of one outlet (IEC C13, 10 A); the model only says whether an outlet is overloaded. */
export const RARITAN_OUTLET_RATED_CURRENT_A = 10;

/** SensorTypeEnumeration values served here. */
export const RaritanSensorType = {
  rmsCurrent: 1, rmsVoltage: 4, activePower: 5, apparentPower: 6, powerFactor: 7, activeEnergy: 8, onOff: 14, trip: 15, frequency: 23,
} as const;
/** SensorUnitsEnumeration. */
const Units = { none: -1, volt: 1, amp: 2, watt: 3, voltamp: 4, wattHour: 5, hertz: 8 } as const;
/** SensorStateEnumeration. */
export const RaritanSensorState = {
  unavailable: -1, open: 0, closed: 1, belowLowerCritical: 2, belowLowerWarning: 3, normal: 4, aboveUpperWarning: 5, aboveUpperCritical: 6, on: 7, off: 8,
} as const;
const TRUE = 1;

interface SensorSpec {
  type: number;
  name: keyof typeof RaritanSensorType;
  units: number;
  decimalDigits: number;
  /** measurementsXSensorSignedValue exists only when the sensor's maximum fits Integer32 (energy does not). */
  hasSignedValue: boolean;
}

const sensor = (name: keyof typeof RaritanSensorType, units: number, decimalDigits: number, hasSignedValue = true): SensorSpec =>
  ({ type: RaritanSensorType[name], name, units, decimalDigits, hasSignedValue });

export const RARITAN_INLET_SENSORS: SensorSpec[] = [
  sensor('rmsCurrent', Units.amp, 3), sensor('rmsVoltage', Units.volt, 0), sensor('activePower', Units.watt, 0),
  sensor('apparentPower', Units.voltamp, 0), sensor('powerFactor', Units.none, 2), sensor('activeEnergy', Units.wattHour, 0, false),
  sensor('frequency', Units.hertz, 1),
];
export const RARITAN_OUTLET_SENSORS: SensorSpec[] = [
  sensor('rmsCurrent', Units.amp, 3), sensor('rmsVoltage', Units.volt, 0), sensor('activePower', Units.watt, 0),
  sensor('apparentPower', Units.voltamp, 0), sensor('powerFactor', Units.none, 2), sensor('activeEnergy', Units.wattHour, 0, false),
  sensor('onOff', Units.none, 0),
];
export const RARITAN_OCP_SENSORS: SensorSpec[] = [sensor('rmsCurrent', Units.amp, 3), sensor('trip', Units.none, 0)];

// ---------------------------------------------------------------- objects (single source for docs and template)

const p = (suffix: string) => `${RARITAN_ENTERPRISE}.${suffix}`;
const SENSOR_SCALING = '÷ 10^DecimalDigits (same index)';
const SENSOR_UNIT = 'per SensorUnits (A, V, W, VA, Wh, Hz)';

export const RARITAN_OBJECTS = {
  ...mib2SystemObjects({ sysDescr: 'Model and firmware', sysObjectID: `${RARITAN_SYS_OBJECT_ID} (pdu2)`, sysName: 'PDU id, e.g. r1-a01-pdu-a', sysServices: '72 (application + end-to-end)' }),
  pduCount: { name: 'pduCount', oid: p('3.1'), index: '0', syntax: 'Integer32', access: 'read-only', description: 'PDUs behind this agent: 1' },
  pduManufacturer: { name: 'pduManufacturer', oid: p('3.2.1.1.2'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: '"Raritan"' },
  pduModel: { name: 'pduModel', oid: p('3.2.1.1.3'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: 'Model name' },
  pduSerialNumber: { name: 'pduSerialNumber', oid: p('3.2.1.1.4'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: 'Serial number (stable per PDU id)' },
  pduRatedVoltage: { name: 'pduRatedVoltage', oid: p('3.2.1.1.5'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: 'e.g. "200-240V"' },
  pduRatedCurrent: { name: 'pduRatedCurrent', oid: p('3.2.1.1.6'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: 'e.g. "32A"' },
  pduRatedFrequency: { name: 'pduRatedFrequency', oid: p('3.2.1.1.7'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: '"50/60Hz"' },
  pduRatedVA: { name: 'pduRatedVA', oid: p('3.2.1.1.8'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: 'e.g. "7.4kVA"' },
  inletCount: { name: 'inletCount', oid: p('3.2.2.1.2'), index: '<pduId>', syntax: 'Integer32', access: 'read-only', description: '1' },
  overCurrentProtectorCount: { name: 'overCurrentProtectorCount', oid: p('3.2.2.1.3'), index: '<pduId>', syntax: 'Integer32', access: 'read-only', description: '1 (breaker C1 feeds all outlets)' },
  outletCount: { name: 'outletCount', oid: p('3.2.2.1.4'), index: '<pduId>', syntax: 'Integer32', access: 'read-only', description: 'Number of outlets (24)' },
  pduName: { name: 'pduName', oid: p('3.2.2.1.13'), index: '<pduId>', syntax: 'DisplayString', access: 'read-only', description: 'User name of the PDU: the PDU id' },
  boardFirmwareVersion: { name: 'boardFirmwareVersion', oid: p('3.2.3.1.6'), index: '<pduId>.<boardType>.<boardIndex>', syntax: 'DisplayString', access: 'read-only', description: 'Firmware of the main controller (boardType mainController(1), board 1), e.g. "4.0.20.5-48248"' },
  inletLabel: { name: 'inletLabel', oid: p('3.3.3.1.2'), index: '<pduId>.<inletId>', syntax: 'DisplayString', access: 'read-only', description: '"I1"' },
  inletName: { name: 'inletName', oid: p('3.3.3.1.3'), index: '<pduId>.<inletId>', syntax: 'DisplayString', access: 'read-only', description: '"Feed A" / "Feed B"' },
  inletSensorUnits: { name: 'inletSensorUnits', oid: p('3.3.4.1.6'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'INTEGER', access: 'read-only', description: 'SensorUnitsEnumeration of the reading' },
  inletSensorDecimalDigits: { name: 'inletSensorDecimalDigits', oid: p('3.3.4.1.7'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', description: 'Decimal digits of the reading: current 3, voltage/power/energy 0, power factor 2, frequency 1' },
  inletSensorLowerCriticalThreshold: { name: 'inletSensorLowerCriticalThreshold', oid: p('3.3.4.1.21'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'Lower critical threshold (0 = none)' },
  inletSensorLowerWarningThreshold: { name: 'inletSensorLowerWarningThreshold', oid: p('3.3.4.1.22'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'Lower warning threshold (0 = none)' },
  inletSensorUpperCriticalThreshold: { name: 'inletSensorUpperCriticalThreshold', oid: p('3.3.4.1.23'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'rmsCurrent: rated current' },
  inletSensorUpperWarningThreshold: { name: 'inletSensorUpperWarningThreshold', oid: p('3.3.4.1.24'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'rmsCurrent: 80 % of rated current (continuous-load limit)' },
  overCurrentProtectorLabel: { name: 'overCurrentProtectorLabel', oid: p('3.4.3.1.2'), index: '<pduId>.<ocpId>', syntax: 'DisplayString', access: 'read-only', description: '"C1"' },
  overCurrentProtectorSensorUnits: { name: 'overCurrentProtectorSensorUnits', oid: p('3.4.4.1.6'), index: '<pduId>.<ocpId>.<sensorType>', syntax: 'INTEGER', access: 'read-only', description: 'amp(2) for rmsCurrent, none(-1) for trip' },
  overCurrentProtectorSensorDecimalDigits: { name: 'overCurrentProtectorSensorDecimalDigits', oid: p('3.4.4.1.7'), index: '<pduId>.<ocpId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', description: 'rmsCurrent 3, trip 0' },
  outletLabel: { name: 'outletLabel', oid: p('3.5.3.1.2'), index: '<pduId>.<outletId>', syntax: 'DisplayString', access: 'read-only', description: 'Outlet number as printed: "1".."24"' },
  outletName: { name: 'outletName', oid: p('3.5.3.1.3'), index: '<pduId>.<outletId>', syntax: 'DisplayString', access: 'read-only', description: 'Outlet name from the site model' },
  outletSwitchable: { name: 'outletSwitchable', oid: p('3.5.3.1.28'), index: '<pduId>.<outletId>', syntax: 'TruthValue', access: 'read-only', description: 'true(1)' },
  outletSensorUnits: { name: 'outletSensorUnits', oid: p('3.5.4.1.6'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'INTEGER', access: 'read-only', description: 'SensorUnitsEnumeration of the reading' },
  outletSensorDecimalDigits: { name: 'outletSensorDecimalDigits', oid: p('3.5.4.1.7'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', description: 'Decimal digits: current 3, voltage/power/energy 0, power factor 2' },
  outletSensorLowerCriticalThreshold: { name: 'outletSensorLowerCriticalThreshold', oid: p('3.5.4.1.21'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'Lower critical threshold (0 = none)' },
  outletSensorLowerWarningThreshold: { name: 'outletSensorLowerWarningThreshold', oid: p('3.5.4.1.22'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'Lower warning threshold (0 = none)' },
  outletSensorUpperCriticalThreshold: { name: 'outletSensorUpperCriticalThreshold', oid: p('3.5.4.1.23'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: `rmsCurrent: outlet rating ${RARITAN_OUTLET_RATED_CURRENT_A} A` },
  outletSensorUpperWarningThreshold: { name: 'outletSensorUpperWarningThreshold', oid: p('3.5.4.1.24'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', scaling: SENSOR_SCALING, description: 'rmsCurrent: 80 % of the outlet rating' },
  switchingOperation: { name: 'switchingOperation', oid: p('4.1.2.1.2'), index: '<pduId>.<outletId>', syntax: 'INTEGER', access: 'read-write', description: 'SET off(0), on(1), cycle(2) to switch the outlet; reads on(1)/off(0)' },
  outletSwitchingState: { name: 'outletSwitchingState', oid: p('4.1.2.1.3'), index: '<pduId>.<outletId>', syntax: 'INTEGER', access: 'read-only', description: 'on(7) / off(8)' },
  outletSwitchingTimeStamp: { name: 'outletSwitchingTimeStamp', oid: p('4.1.2.1.4'), index: '<pduId>.<outletId>', syntax: 'Unsigned32', access: 'read-only', unit: 's since 1970', description: 'Simulated time of the last switching operation (0 = never)' },
  measurementsInletSensorIsAvailable: { name: 'measurementsInletSensorIsAvailable', oid: p('5.2.3.1.2'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'TruthValue', access: 'read-only', description: 'true(1)' },
  measurementsInletSensorState: { name: 'measurementsInletSensorState', oid: p('5.2.3.1.3'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'INTEGER', access: 'read-only', description: 'SensorStateEnumeration: rmsCurrent vs thresholds, otherwise normal(4)' },
  measurementsInletSensorValue: { name: 'measurementsInletSensorValue', oid: p('5.2.3.1.4'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Gauge32', access: 'read-only', unit: SENSOR_UNIT, scaling: SENSOR_SCALING, description: 'Inlet reading; activeEnergy is a Wh counter' },
  measurementsInletSensorTimeStamp: { name: 'measurementsInletSensorTimeStamp', oid: p('5.2.3.1.5'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', unit: 's since 1970', description: 'Simulated time of the reading' },
  measurementsInletSensorSignedValue: { name: 'measurementsInletSensorSignedValue', oid: p('5.2.3.1.6'), index: '<pduId>.<inletId>.<sensorType>', syntax: 'Integer32', access: 'read-only', scaling: SENSOR_SCALING, description: 'Same reading as Integer32; absent for activeEnergy (range exceeds Integer32)' },
  measurementsOverCurrentProtectorSensorIsAvailable: { name: 'measurementsOverCurrentProtectorSensorIsAvailable', oid: p('5.3.3.1.2'), index: '<pduId>.<ocpId>.<sensorType>', syntax: 'TruthValue', access: 'read-only', description: 'true(1)' },
  measurementsOverCurrentProtectorSensorState: { name: 'measurementsOverCurrentProtectorSensorState', oid: p('5.3.3.1.3'), index: '<pduId>.<ocpId>.<sensorType>', syntax: 'INTEGER', access: 'read-only', description: 'trip: closed(1) normal, open(0) tripped; rmsCurrent: normal(4)' },
  measurementsOverCurrentProtectorSensorValue: { name: 'measurementsOverCurrentProtectorSensorValue', oid: p('5.3.3.1.4'), index: '<pduId>.<ocpId>.<sensorType>', syntax: 'Gauge32', access: 'read-only', unit: 'A (rmsCurrent)', scaling: SENSOR_SCALING, description: 'Current through breaker C1 (= inlet current); 0 for trip' },
  measurementsOverCurrentProtectorSensorTimeStamp: { name: 'measurementsOverCurrentProtectorSensorTimeStamp', oid: p('5.3.3.1.5'), index: '<pduId>.<ocpId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', unit: 's since 1970', description: 'Simulated time of the reading' },
  measurementsOutletSensorIsAvailable: { name: 'measurementsOutletSensorIsAvailable', oid: p('5.4.3.1.2'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'TruthValue', access: 'read-only', description: 'true(1)' },
  measurementsOutletSensorState: { name: 'measurementsOutletSensorState', oid: p('5.4.3.1.3'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'INTEGER', access: 'read-only', description: 'onOff: on(7)/off(8); rmsCurrent: aboveUpperCritical(6) on overload, aboveUpperWarning(5) above 80 %; else normal(4)' },
  measurementsOutletSensorValue: { name: 'measurementsOutletSensorValue', oid: p('5.4.3.1.4'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Gauge32', access: 'read-only', unit: SENSOR_UNIT, scaling: SENSOR_SCALING, description: 'Outlet reading; activeEnergy is a Wh counter; onOff reads 0 (see State)' },
  measurementsOutletSensorTimeStamp: { name: 'measurementsOutletSensorTimeStamp', oid: p('5.4.3.1.5'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Unsigned32', access: 'read-only', unit: 's since 1970', description: 'Simulated time of the reading' },
  measurementsOutletSensorSignedValue: { name: 'measurementsOutletSensorSignedValue', oid: p('5.4.3.1.6'), index: '<pduId>.<outletId>.<sensorType>', syntax: 'Integer32', access: 'read-only', scaling: SENSOR_SCALING, description: 'Same reading as Integer32; absent for activeEnergy' },
} satisfies Record<string, ObjectSpec>;

type RaritanObjectName = keyof typeof RARITAN_OBJECTS;

// ---------------------------------------------------------------- readings

interface Reading { value: number; state: number }

function scaled(value: number, digits: number): number {
  return value * 10 ** digits;
}

function inletReading(snap: PduSnapshot, spec: SensorSpec): Reading {
  const { inlet, ratedCurrentA } = snap.pdu;
  const normal = RaritanSensorState.normal;
  switch (spec.name) {
    case 'rmsCurrent': {
      return { value: inlet.currentA, state: currentState(inlet.currentA, ratedCurrentA) };
    }
    case 'rmsVoltage': return { value: inlet.voltageV, state: normal };
    case 'activePower': return { value: inlet.activePowerW, state: normal };
    case 'apparentPower': return { value: inlet.apparentPowerVA, state: normal };
    case 'powerFactor': return { value: inlet.powerFactor, state: normal };
    case 'activeEnergy': return { value: inlet.activeEnergyWh, state: normal };
    case 'frequency': return { value: inlet.frequencyHz, state: normal };
    default: return { value: 0, state: RaritanSensorState.unavailable };
  }
}

function outletSensorReading(snap: PduSnapshot, outlet: number, spec: SensorSpec): Reading {
  const o = outletReading(snap, outlet);
  const normal = RaritanSensorState.normal;
  switch (spec.name) {
    case 'rmsCurrent': {
      return { value: o.currentA, state: o.overload ? RaritanSensorState.aboveUpperCritical : currentState(o.currentA, RARITAN_OUTLET_RATED_CURRENT_A) };
    }
    case 'rmsVoltage': return { value: o.voltageV, state: normal };
    case 'activePower': return { value: o.activePowerW, state: normal };
    case 'apparentPower': return { value: o.apparentPowerVA, state: normal };
    case 'powerFactor': return { value: o.powerFactor, state: normal };
    case 'activeEnergy': return { value: o.activeEnergyWh, state: normal };
    // Discrete sensor: the reading is the state; Value is 0 (Raritan MIB guide, table 5).
    case 'onOff': return { value: 0, state: o.on ? RaritanSensorState.on : RaritanSensorState.off };
    default: return { value: 0, state: RaritanSensorState.unavailable };
  }
}

function ocpReading(snap: PduSnapshot, spec: SensorSpec): Reading {
  const tripped = snap.pdu.breakerTripped;
  if (spec.name === 'trip') return { value: 0, state: tripped ? RaritanSensorState.open : RaritanSensorState.closed };
  const current = tripped ? 0 : snap.pdu.inlet.currentA;
  return { value: current, state: current > snap.pdu.ratedCurrentA ? RaritanSensorState.aboveUpperCritical : RaritanSensorState.normal };
}

interface Thresholds { lowerCritical: number; lowerWarning: number; upperCritical: number; upperWarning: number }
const NO_THRESHOLDS: Thresholds = { lowerCritical: 0, lowerWarning: 0, upperCritical: 0, upperWarning: 0 };
/** rmsCurrent sensors warn above 80 % of the rating and are critical above it. */
const CURRENT_WARNING_FRACTION = 0.8;
function currentThresholds(spec: SensorSpec, ratedA: number): Thresholds {
  if (spec.name !== 'rmsCurrent') return NO_THRESHOLDS;
  return { lowerCritical: 0, lowerWarning: 0, upperCritical: ratedA, upperWarning: CURRENT_WARNING_FRACTION * ratedA };
}
/** The state of an rmsCurrent sensor against those thresholds. */
function currentState(currentA: number, ratedA: number): number {
  if (currentA > ratedA) return RaritanSensorState.aboveUpperCritical;
  if (currentA > CURRENT_WARNING_FRACTION * ratedA) return RaritanSensorState.aboveUpperWarning;
  return RaritanSensorState.normal;
}

// ---------------------------------------------------------------- template

const SWITCHING_OPERATION = { off: 0, on: 1, cycle: 2 } as const;
const SWITCHING_STATE = { on: 7, off: 8 } as const;

function formatVA(va: number): string {
  return `${(va / 1000).toFixed(1)}kVA`;
}

export function buildRaritanTemplate(outletCount: number): MibTemplate<PduSnapshot> {
  const defs: MibInstanceDefinition<PduSnapshot>[] = [];
  const add = (name: RaritanObjectName, instance: number[], read: (s: PduSnapshot) => SnmpValue, write?: MibWrite<PduSnapshot>) => {
    const spec: ObjectSpec = RARITAN_OBJECTS[name];
    const objOid = objectOid(spec);
    defs.push({ oid: [...objOid, ...instance], objectLength: objOid.length, type: berType(spec.syntax), read, write });
  };
  const u32 = (v: number) => clampUnsigned32(v);

  add('sysDescr', [0], (s) => `Raritan ${s.runtime.identity.model} ${s.runtime.identity.firmwareVersion} (Kiban simulator)`);
  add('sysObjectID', [0], () => parseOid(RARITAN_SYS_OBJECT_ID));
  add('sysUpTime', [0], (s) => s.upTimeTicks);
  add('sysContact', [0], () => 'facility@kiban.local');
  add('sysName', [0], (s) => s.pdu.id);
  add('sysLocation', [0], (s) => s.pdu.rackId);
  add('sysServices', [0], () => 72);

  add('pduCount', [0], () => 1);
  add('pduManufacturer', [PDU_ID], () => 'Raritan');
  add('pduModel', [PDU_ID], (s) => s.runtime.identity.model);
  add('pduSerialNumber', [PDU_ID], (s) => s.runtime.identity.serialNumber);
  add('pduRatedVoltage', [PDU_ID], (s) => (nominalVoltageV(s.pdu.inlet.voltageV) >= 200 ? '200-240V' : '100-120V'));
  add('pduRatedCurrent', [PDU_ID], (s) => `${s.pdu.ratedCurrentA}A`);
  add('pduRatedFrequency', [PDU_ID], () => '50/60Hz');
  add('pduRatedVA', [PDU_ID], (s) => formatVA(nominalVoltageV(s.pdu.inlet.voltageV) * s.pdu.ratedCurrentA));
  add('inletCount', [PDU_ID], () => 1);
  add('overCurrentProtectorCount', [PDU_ID], () => 1);
  add('outletCount', [PDU_ID], () => outletCount);
  add('pduName', [PDU_ID], (s) => s.pdu.id);
  add('boardFirmwareVersion', [PDU_ID, MAIN_CONTROLLER, 1], (s) => s.runtime.identity.firmwareVersion);

  add('inletLabel', [PDU_ID, INLET_ID], () => 'I1');
  add('inletName', [PDU_ID, INLET_ID], (s) => `Feed ${s.pdu.feed}`);
  for (const spec of RARITAN_INLET_SENSORS) {
    const idx = [PDU_ID, INLET_ID, spec.type];
    add('inletSensorUnits', idx, () => spec.units);
    add('inletSensorDecimalDigits', idx, () => spec.decimalDigits);
    add('inletSensorLowerCriticalThreshold', idx, (s) => u32(scaled(currentThresholds(spec, s.pdu.ratedCurrentA).lowerCritical, spec.decimalDigits)));
    add('inletSensorLowerWarningThreshold', idx, (s) => u32(scaled(currentThresholds(spec, s.pdu.ratedCurrentA).lowerWarning, spec.decimalDigits)));
    add('inletSensorUpperCriticalThreshold', idx, (s) => u32(scaled(currentThresholds(spec, s.pdu.ratedCurrentA).upperCritical, spec.decimalDigits)));
    add('inletSensorUpperWarningThreshold', idx, (s) => u32(scaled(currentThresholds(spec, s.pdu.ratedCurrentA).upperWarning, spec.decimalDigits)));
    add('measurementsInletSensorIsAvailable', idx, () => TRUE);
    add('measurementsInletSensorState', idx, (s) => inletReading(s, spec).state);
    add('measurementsInletSensorValue', idx, (s) => u32(scaled(inletReading(s, spec).value, spec.decimalDigits)));
    add('measurementsInletSensorTimeStamp', idx, (s) => u32(s.simTimeMs / 1000));
    if (spec.hasSignedValue) add('measurementsInletSensorSignedValue', idx, (s) => clampInt32(scaled(inletReading(s, spec).value, spec.decimalDigits)));
  }

  add('overCurrentProtectorLabel', [PDU_ID, OCP_ID], () => 'C1');
  for (const spec of RARITAN_OCP_SENSORS) {
    const idx = [PDU_ID, OCP_ID, spec.type];
    add('overCurrentProtectorSensorUnits', idx, () => spec.units);
    add('overCurrentProtectorSensorDecimalDigits', idx, () => spec.decimalDigits);
    add('measurementsOverCurrentProtectorSensorIsAvailable', idx, () => TRUE);
    add('measurementsOverCurrentProtectorSensorState', idx, (s) => ocpReading(s, spec).state);
    add('measurementsOverCurrentProtectorSensorValue', idx, (s) => u32(scaled(ocpReading(s, spec).value, spec.decimalDigits)));
    add('measurementsOverCurrentProtectorSensorTimeStamp', idx, (s) => u32(s.simTimeMs / 1000));
  }

  for (let outlet = 1; outlet <= outletCount; outlet++) {
    const row = [PDU_ID, outlet];
    add('outletLabel', row, () => String(outlet));
    add('outletName', row, (s) => outletReading(s, outlet).name);
    add('outletSwitchable', row, () => TRUE);
    add('switchingOperation', row, (s) => (outletReading(s, outlet).on ? SWITCHING_OPERATION.on : SWITCHING_OPERATION.off),
      integerWrite([SWITCHING_OPERATION.off, SWITCHING_OPERATION.on, SWITCHING_OPERATION.cycle], (s, value) => {
        const action = value === SWITCHING_OPERATION.cycle ? 'cycle' : value === SWITCHING_OPERATION.on ? 'on' : 'off';
        s.runtime.switching.request(outlet, action, s.simTimeMs);
      }));
    add('outletSwitchingState', row, (s) => (outletReading(s, outlet).on ? SWITCHING_STATE.on : SWITCHING_STATE.off));
    add('outletSwitchingTimeStamp', row, (s) => s.runtime.switching.lastSwitchedSec(outlet));
    for (const spec of RARITAN_OUTLET_SENSORS) {
      const idx = [PDU_ID, outlet, spec.type];
      const limits = currentThresholds(spec, RARITAN_OUTLET_RATED_CURRENT_A);
      add('outletSensorUnits', idx, () => spec.units);
      add('outletSensorDecimalDigits', idx, () => spec.decimalDigits);
      add('outletSensorLowerCriticalThreshold', idx, () => u32(scaled(limits.lowerCritical, spec.decimalDigits)));
      add('outletSensorLowerWarningThreshold', idx, () => u32(scaled(limits.lowerWarning, spec.decimalDigits)));
      add('outletSensorUpperCriticalThreshold', idx, () => u32(scaled(limits.upperCritical, spec.decimalDigits)));
      add('outletSensorUpperWarningThreshold', idx, () => u32(scaled(limits.upperWarning, spec.decimalDigits)));
      add('measurementsOutletSensorIsAvailable', idx, () => TRUE);
      add('measurementsOutletSensorState', idx, (s) => outletSensorReading(s, outlet, spec).state);
      add('measurementsOutletSensorValue', idx, (s) => u32(scaled(outletSensorReading(s, outlet, spec).value, spec.decimalDigits)));
      add('measurementsOutletSensorTimeStamp', idx, (s) => u32(s.simTimeMs / 1000));
      if (spec.hasSignedValue) add('measurementsOutletSensorSignedValue', idx, (s) => clampInt32(scaled(outletSensorReading(s, outlet, spec).value, spec.decimalDigits)));
    }
  }
  return new MibTemplate(defs);
}

export const RARITAN_OID_TABLE: VendorOidTable = {
  vendor: 'raritan',
  mib: 'PDU2-MIB',
  enterpriseOid: RARITAN_ENTERPRISE,
  sysObjectID: RARITAN_SYS_OBJECT_ID,
  profile: 'raritan-px2',
  objects: Object.values(RARITAN_OBJECTS),
  enums: {
    sensorType: Object.fromEntries(Object.entries(RaritanSensorType).map(([k, v]) => [v, k])),
    SensorUnitsEnumeration: Object.fromEntries(Object.entries(Units).map(([k, v]) => [v, k])),
    SensorStateEnumeration: Object.fromEntries(Object.entries(RaritanSensorState).map(([k, v]) => [v, k])),
  },
  notes: [
    `Decimal digits served: ${[...RARITAN_INLET_SENSORS, RARITAN_OUTLET_SENSORS[6], RARITAN_OCP_SENSORS[1]].map((s) => `${s.name} ${s.decimalDigits}`).join(', ')}; reading = Value ÷ 10^DecimalDigits.`,
    'Discrete sensors (onOff, trip) carry their reading in the State column; Value is 0.',
    'pduId is 1, inletId 1, ocpId 1 (breaker C1 feeds every outlet). SignedValue is absent for activeEnergy.',
    'A tripped breaker shows as trip state open(0) and 0 A / 0 W / 0 V on every outlet; the relays stay on(7).',
    'SET needs the write community (default `private`); the read community gets noAccess.',
  ],
};

