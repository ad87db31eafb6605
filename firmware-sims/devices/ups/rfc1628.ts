/**
 * RFC 1628 UPS-MIB objects the simulated UPS exposes, as data: numeric OIDs, SNMP types and the
 * MIB's integer units. Scalars live at `<oid>.0`; table columns at `<entry>.<column>.<line>`.
 */
import * as snmp from 'net-snmp';
import type { ScalarDefinition, TableDefinition } from '../../protocols/snmp/agent.ts';
import { UPS_WELL_KNOWN_ALARMS, type UpsAlarmName } from '../../site/types.ts';

export const UPS_MIB = '1.3.6.1.2.1.33';
const ident = `${UPS_MIB}.1.1`;
const battery = `${UPS_MIB}.1.2`;
const input = `${UPS_MIB}.1.3`;
const output = `${UPS_MIB}.1.4`;
const alarm = `${UPS_MIB}.1.6`;
const config = `${UPS_MIB}.1.9`;

const { Integer, OctetString, Counter32, Gauge32, TimeTicks, OID } = snmp.ObjectType;

/** upsBatteryStatus values. */
export const BatteryStatus = { unknown: 1, batteryNormal: 2, batteryLow: 3, batteryDepleted: 4 } as const;
/** upsOutputSource values (the object's own 3/5, not the compliance clause's 2/4). */
export const OutputSource = { other: 1, none: 2, normal: 3, bypass: 4, battery: 5, booster: 6, reducer: 7 } as const;

/** Scalars of the identity, battery, input, output, alarm and config groups (without `.0`). */
export const UPS_SCALARS = {
  upsIdentManufacturer: { oid: `${ident}.1`, type: OctetString },
  upsIdentModel: { oid: `${ident}.2`, type: OctetString },
  upsIdentUPSSoftwareVersion: { oid: `${ident}.3`, type: OctetString },
  upsIdentAgentSoftwareVersion: { oid: `${ident}.4`, type: OctetString },
  upsIdentName: { oid: `${ident}.5`, type: OctetString },
  upsIdentAttachedDevices: { oid: `${ident}.6`, type: OctetString },

  upsBatteryStatus: { oid: `${battery}.1`, type: Integer },
  upsSecondsOnBattery: { oid: `${battery}.2`, type: Integer }, // s
  upsEstimatedMinutesRemaining: { oid: `${battery}.3`, type: Integer }, // min
  upsEstimatedChargeRemaining: { oid: `${battery}.4`, type: Integer }, // %
  upsBatteryVoltage: { oid: `${battery}.5`, type: Integer }, // 0.1 V DC
  upsBatteryCurrent: { oid: `${battery}.6`, type: Integer }, // 0.1 A DC, signed
  upsBatteryTemperature: { oid: `${battery}.7`, type: Integer }, // °C

  upsInputLineBads: { oid: `${input}.1`, type: Counter32 },
  upsInputNumLines: { oid: `${input}.2`, type: Integer },

  upsOutputSource: { oid: `${output}.1`, type: Integer },
  upsOutputFrequency: { oid: `${output}.2`, type: Integer }, // 0.1 Hz
  upsOutputNumLines: { oid: `${output}.3`, type: Integer },

  upsAlarmsPresent: { oid: `${alarm}.1`, type: Gauge32 },

  upsConfigOutputVA: { oid: `${config}.5`, type: Integer }, // VA
  upsConfigOutputPower: { oid: `${config}.6`, type: Integer }, // W
} as const satisfies Record<string, Omit<ScalarDefinition, 'name'>>;

export type UpsScalarName = keyof typeof UPS_SCALARS;

export const UPS_INPUT_TABLE: TableDefinition = {
  name: 'upsInputTable',
  entryOid: `${input}.3.1`,
  indexColumn: 'upsInputLineIndex',
  columns: [
    { number: 1, name: 'upsInputLineIndex', type: Integer },
    { number: 2, name: 'upsInputFrequency', type: Integer }, // 0.1 Hz
    { number: 3, name: 'upsInputVoltage', type: Integer }, // RMS V
    { number: 4, name: 'upsInputCurrent', type: Integer }, // 0.1 A RMS
    { number: 5, name: 'upsInputTruePower', type: Integer }, // W
  ],
};

export const UPS_OUTPUT_TABLE: TableDefinition = {
  name: 'upsOutputTable',
  entryOid: `${output}.4.1`,
  indexColumn: 'upsOutputLineIndex',
  columns: [
    { number: 1, name: 'upsOutputLineIndex', type: Integer },
    { number: 2, name: 'upsOutputVoltage', type: Integer }, // RMS V
    { number: 3, name: 'upsOutputCurrent', type: Integer }, // 0.1 A RMS
    { number: 4, name: 'upsOutputPower', type: Integer }, // W
    { number: 5, name: 'upsOutputPercentLoad', type: Integer }, // % of rated capacity
  ],
};

/** MIB-II system group (1.3.6.1.2.1.1), which every SNMP agent answers. */
export const SYSTEM_SCALARS = {
  sysDescr: { oid: '1.3.6.1.2.1.1.1', type: OctetString },
  sysObjectID: { oid: '1.3.6.1.2.1.1.2', type: OID },
  sysUpTime: { oid: '1.3.6.1.2.1.1.3', type: TimeTicks }, // 0.01 s
  sysName: { oid: '1.3.6.1.2.1.1.5', type: OctetString },
} as const satisfies Record<string, Omit<ScalarDefinition, 'name'>>;

/** Instance OID of a scalar (`.0`) or of a table cell on line 1, for tests and documentation. */
export function scalarInstanceOid(name: UpsScalarName): string {
  return `${UPS_SCALARS[name].oid}.0`;
}
export function tableCellOid(table: TableDefinition, column: string, line = 1): string {
  const def = table.columns.find((c) => c.name === column);
  if (!def) throw new Error(`${table.name} has no column ${column}`);
  return `${table.entryOid}.${def.number}.${line}`;
}

// ======================================================================================== full UPS-MIB
// Everything below describes RFC 1628 in full (all nine object groups, the well-known alarms and
// tests, the four traps) as data. `ups-snmp.ts` serves it; docs/simulators.md is generated from it.


const bypass = `${UPS_MIB}.1.5`;
const test = `${UPS_MIB}.1.7`;
const control = `${UPS_MIB}.1.8`;
export const UPS_TRAPS_OID = `${UPS_MIB}.2`;
export const UPS_WELL_KNOWN_ALARMS_OID = `${alarm}.3`;
export const UPS_WELL_KNOWN_TESTS_OID = `${test}.7`;

export type UpsMibGroup = 'ident' | 'battery' | 'input' | 'output' | 'bypass' | 'alarm' | 'test' | 'control' | 'config';

/** One RFC 1628 object: a scalar (instance `.0`) or a table column (instance `.<index>`). */
export interface UpsMibObject {
  name: string;
  /** Object OID without instance suffix. */
  oid: string;
  group: UpsMibGroup;
  /** SMI syntax as written in the MIB (for documentation). */
  syntax: string;
  type: snmp.ObjectType;
  /** UNITS clause / value meaning. */
  units: string;
  /** Table the column belongs to; undefined for scalars. */
  table?: string;
  /** How the simulator derives the value from `UpsState` (for documentation). */
  source: string;
}

const scalar = (group: UpsMibGroup, name: string, oid: string, syntax: string, type: snmp.ObjectType, units: string, source: string): UpsMibObject =>
  ({ name, oid, group, syntax, type, units, source });
const column = (group: UpsMibGroup, table: string, name: string, oid: string, syntax: string, type: snmp.ObjectType, units: string, source: string): UpsMibObject =>
  ({ name, oid, group, syntax, type, units, source, table });

/** Every accessible RFC 1628 object, in OID order. */
export const UPS_MIB_OBJECTS: readonly UpsMibObject[] = [
  scalar('ident', 'upsIdentManufacturer', `${ident}.1`, 'DisplayString (0..31)', OctetString, 'text', 'identity.manufacturer'),
  scalar('ident', 'upsIdentModel', `${ident}.2`, 'DisplayString (0..63)', OctetString, 'text', 'identity.model'),
  scalar('ident', 'upsIdentUPSSoftwareVersion', `${ident}.3`, 'DisplayString (0..63)', OctetString, 'text', 'identity.firmware'),
  scalar('ident', 'upsIdentAgentSoftwareVersion', `${ident}.4`, 'DisplayString (0..63)', OctetString, 'text', 'identity.agentVersion'),
  scalar('ident', 'upsIdentName', `${ident}.5`, 'DisplayString (0..63)', OctetString, 'text', 'UPS id'),
  scalar('ident', 'upsIdentAttachedDevices', `${ident}.6`, 'DisplayString (0..63)', OctetString, 'text', 'identity.attachedDevices'),

  scalar('battery', 'upsBatteryStatus', `${battery}.1`, 'INTEGER', Integer, 'unknown(1) batteryNormal(2) batteryLow(3) batteryDepleted(4)', 'batteryStatus'),
  scalar('battery', 'upsSecondsOnBattery', `${battery}.2`, 'NonNegativeInteger', Integer, 's (0 when not on battery)', 'round(secondsOnBattery)'),
  scalar('battery', 'upsEstimatedMinutesRemaining', `${battery}.3`, 'PositiveInteger', Integer, 'min', 'round(minutesRemaining)'),
  scalar('battery', 'upsEstimatedChargeRemaining', `${battery}.4`, 'INTEGER (0..100)', Integer, '%', 'round(chargePercent)'),
  scalar('battery', 'upsBatteryVoltage', `${battery}.5`, 'NonNegativeInteger', Integer, '0.1 V DC', 'round(batteryVoltageV × 10)'),
  scalar('battery', 'upsBatteryCurrent', `${battery}.6`, 'Integer32', Integer, '0.1 A DC (signed, + = charging)', 'round(batteryCurrentA × 10)'),
  scalar('battery', 'upsBatteryTemperature', `${battery}.7`, 'Integer32', Integer, '°C', 'round(batteryTemperatureC)'),

  scalar('input', 'upsInputLineBads', `${input}.1`, 'Counter32', Counter32, 'events', 'inputLineBads mod 2^32'),
  scalar('input', 'upsInputNumLines', `${input}.2`, 'NonNegativeInteger', Integer, 'rows', '1'),
  column('input', 'upsInputTable', 'upsInputFrequency', `${input}.3.1.2`, 'NonNegativeInteger', Integer, '0.1 Hz', 'round(inputFrequencyHz × 10)'),
  column('input', 'upsInputTable', 'upsInputVoltage', `${input}.3.1.3`, 'NonNegativeInteger', Integer, 'V RMS', 'round(inputVoltageV)'),
  column('input', 'upsInputTable', 'upsInputCurrent', `${input}.3.1.4`, 'NonNegativeInteger', Integer, '0.1 A RMS', 'round(inputCurrentA × 10)'),
  column('input', 'upsInputTable', 'upsInputTruePower', `${input}.3.1.5`, 'NonNegativeInteger', Integer, 'W', 'round(inputPowerW)'),

  scalar('output', 'upsOutputSource', `${output}.1`, 'INTEGER', Integer, 'other(1) none(2) normal(3) bypass(4) battery(5) booster(6) reducer(7)', 'source'),
  scalar('output', 'upsOutputFrequency', `${output}.2`, 'NonNegativeInteger', Integer, '0.1 Hz', 'round(outputFrequencyHz × 10)'),
  scalar('output', 'upsOutputNumLines', `${output}.3`, 'NonNegativeInteger', Integer, 'rows', '1'),
  column('output', 'upsOutputTable', 'upsOutputVoltage', `${output}.4.1.2`, 'NonNegativeInteger', Integer, 'V RMS', 'round(outputVoltageV)'),
  column('output', 'upsOutputTable', 'upsOutputCurrent', `${output}.4.1.3`, 'NonNegativeInteger', Integer, '0.1 A RMS', 'round(outputCurrentA × 10)'),
  column('output', 'upsOutputTable', 'upsOutputPower', `${output}.4.1.4`, 'NonNegativeInteger', Integer, 'W', 'round(outputPowerW)'),
  column('output', 'upsOutputTable', 'upsOutputPercentLoad', `${output}.4.1.5`, 'INTEGER (0..200)', Integer, '% of rated (greater of W % and VA %)', 'round(outputPercentLoad), clamped to 0..200'),

  scalar('bypass', 'upsBypassFrequency', `${bypass}.1`, 'NonNegativeInteger', Integer, '0.1 Hz', 'round(bypassFrequencyHz × 10)'),
  scalar('bypass', 'upsBypassNumLines', `${bypass}.2`, 'NonNegativeInteger', Integer, 'rows', '1'),
  column('bypass', 'upsBypassTable', 'upsBypassVoltage', `${bypass}.3.1.2`, 'NonNegativeInteger', Integer, 'V RMS', 'round(bypassVoltageV)'),
  column('bypass', 'upsBypassTable', 'upsBypassCurrent', `${bypass}.3.1.3`, 'NonNegativeInteger', Integer, '0.1 A RMS', 'round(bypassCurrentA × 10)'),
  column('bypass', 'upsBypassTable', 'upsBypassPower', `${bypass}.3.1.4`, 'NonNegativeInteger', Integer, 'W', 'round(bypassPowerW)'),

  scalar('alarm', 'upsAlarmsPresent', `${alarm}.1`, 'Gauge32', Gauge32, 'rows', 'alarms.length'),
  column('alarm', 'upsAlarmTable', 'upsAlarmDescr', `${alarm}.2.1.2`, 'AutonomousType', OID, 'OID of a well-known alarm (.1.6.3.N)', 'alarms[].alarm'),
  column('alarm', 'upsAlarmTable', 'upsAlarmTime', `${alarm}.2.1.3`, 'TimeStamp', TimeTicks, 'sysUpTime (0.01 s) when the agent first saw the row; 0 if present at agent start', 'agent clock'),

  scalar('test', 'upsTestId', `${test}.1`, 'OBJECT IDENTIFIER', OID, 'OID of a well-known test (.1.7.7.N)', 'noTestsInitiated (.1.7.7.1); quickBatteryTest (.1.7.7.4) while testInProgress alarm'),
  scalar('test', 'upsTestSpinLock', `${test}.2`, 'TestAndIncr', Integer, 'advisory lock', '1'),
  scalar('test', 'upsTestResultsSummary', `${test}.3`, 'INTEGER', Integer, 'donePass(1) doneWarning(2) doneError(3) aborted(4) inProgress(5) noTestsInitiated(6)', '6; 5 while testInProgress alarm'),
  scalar('test', 'upsTestResultsDetail', `${test}.4`, 'DisplayString (0..255)', OctetString, 'text', "''"),
  scalar('test', 'upsTestStartTime', `${test}.5`, 'TimeStamp', TimeTicks, 'sysUpTime (0.01 s)', '0'),
  scalar('test', 'upsTestElapsedTime', `${test}.6`, 'TimeInterval', Integer, '0.01 s', '0'),

  scalar('control', 'upsShutdownType', `${control}.1`, 'INTEGER', Integer, 'output(1) system(2)', '1'),
  scalar('control', 'upsShutdownAfterDelay', `${control}.2`, 'INTEGER (-1..2147483648)', Integer, 's (-1 = no shutdown pending)', '-1'),
  scalar('control', 'upsStartupAfterDelay', `${control}.3`, 'INTEGER (-1..2147483648)', Integer, 's (-1 = no startup pending)', '-1'),
  scalar('control', 'upsRebootWithDuration', `${control}.4`, 'INTEGER (-1..300)', Integer, 's (-1 = no reboot pending)', '-1'),
  scalar('control', 'upsAutoRestart', `${control}.5`, 'INTEGER', Integer, 'on(1) off(2)', '1'),

  scalar('config', 'upsConfigInputVoltage', `${config}.1`, 'NonNegativeInteger', Integer, 'V RMS (nominal)', 'config.nominalVoltageV'),
  scalar('config', 'upsConfigInputFreq', `${config}.2`, 'NonNegativeInteger', Integer, '0.1 Hz (nominal)', 'config.nominalFrequencyHz × 10'),
  scalar('config', 'upsConfigOutputVoltage', `${config}.3`, 'NonNegativeInteger', Integer, 'V RMS (nominal)', 'config.nominalVoltageV'),
  scalar('config', 'upsConfigOutputFreq', `${config}.4`, 'NonNegativeInteger', Integer, '0.1 Hz (nominal)', 'config.nominalFrequencyHz × 10'),
  scalar('config', 'upsConfigOutputVA', `${config}.5`, 'NonNegativeInteger', Integer, 'VA', 'ratedVA'),
  scalar('config', 'upsConfigOutputPower', `${config}.6`, 'NonNegativeInteger', Integer, 'W', 'ratedW'),
  scalar('config', 'upsConfigLowBattTime', `${config}.7`, 'NonNegativeInteger', Integer, 'min', 'config.lowBatteryTimeMin'),
  scalar('config', 'upsConfigAudibleStatus', `${config}.8`, 'INTEGER', Integer, 'disabled(1) enabled(2) muted(3)', '2'),
  scalar('config', 'upsConfigLowVoltageTransferPoint', `${config}.9`, 'NonNegativeInteger', Integer, 'V RMS', 'round(nominal × 0.8)'),
  scalar('config', 'upsConfigHighVoltageTransferPoint', `${config}.10`, 'NonNegativeInteger', Integer, 'V RMS', 'round(nominal × 1.2)'),
];

const objectsOfTable = (table: string) => UPS_MIB_OBJECTS.filter((o) => o.table === table);
const tableDefinition = (name: string, entryOid: string, indexColumn: string): TableDefinition => ({
  name,
  entryOid,
  indexColumn,
  // RFC 1628 index columns are not-accessible: they only appear as the instance suffix.
  indexMaxAccess: 'not-accessible',
  columns: [
    { number: 1, name: indexColumn, type: Integer },
    ...objectsOfTable(name).map((o) => ({ number: Number(o.oid.split('.').pop()), name: o.name, type: o.type })),
  ],
});

/** Tables of the full MIB (index column not-accessible, as in the RFC). */
export const UPS_MIB_TABLES = {
  upsInputTable: tableDefinition('upsInputTable', `${input}.3.1`, 'upsInputLineIndex'),
  upsOutputTable: tableDefinition('upsOutputTable', `${output}.4.1`, 'upsOutputLineIndex'),
  upsBypassTable: tableDefinition('upsBypassTable', `${bypass}.3.1`, 'upsBypassLineIndex'),
  upsAlarmTable: tableDefinition('upsAlarmTable', `${alarm}.2.1`, 'upsAlarmId'),
} as const;
export type UpsMibTableName = keyof typeof UPS_MIB_TABLES;

/** upsAlarmId column OID (not-accessible, but carried in the alarm traps' varbinds as `.<id>`). */
export const UPS_ALARM_ID_OID = `${alarm}.2.1.1`;

/** MIB-II system group served next to the UPS-MIB. */
export const MIB2_SYSTEM_OBJECTS = {
  sysDescr: { oid: '1.3.6.1.2.1.1.1', type: OctetString },
  sysObjectID: { oid: '1.3.6.1.2.1.1.2', type: OID },
  sysUpTime: { oid: '1.3.6.1.2.1.1.3', type: TimeTicks }, // 0.01 s
  sysContact: { oid: '1.3.6.1.2.1.1.4', type: OctetString },
  sysName: { oid: '1.3.6.1.2.1.1.5', type: OctetString },
  sysLocation: { oid: '1.3.6.1.2.1.1.6', type: OctetString },
  sysServices: { oid: '1.3.6.1.2.1.1.7', type: Integer },
} as const satisfies Record<string, Omit<ScalarDefinition, 'name'>>;

/** upsWellKnownAlarms: OID of each alarm (the value of upsAlarmDescr). */
export function wellKnownAlarmOid(alarm: UpsAlarmName): string {
  return `${UPS_WELL_KNOWN_ALARMS_OID}.${UPS_WELL_KNOWN_ALARMS[alarm]}`;
}

export const UPS_WELL_KNOWN_TESTS = {
  upsTestNoTestsInitiated: `${UPS_WELL_KNOWN_TESTS_OID}.1`,
  upsTestAbortTestInProgress: `${UPS_WELL_KNOWN_TESTS_OID}.2`,
  upsTestGeneralSystemsTest: `${UPS_WELL_KNOWN_TESTS_OID}.3`,
  upsTestQuickBatteryTest: `${UPS_WELL_KNOWN_TESTS_OID}.4`,
  upsTestDeepBatteryCalibration: `${UPS_WELL_KNOWN_TESTS_OID}.5`,
} as const;

/** The four UPS-MIB notifications and the objects each carries. */
export const UPS_TRAPS = {
  upsTrapOnBattery: { oid: `${UPS_TRAPS_OID}.1`, objects: ['upsEstimatedMinutesRemaining', 'upsSecondsOnBattery', 'upsConfigLowBattTime'] },
  upsTrapTestCompleted: { oid: `${UPS_TRAPS_OID}.2`, objects: ['upsTestId', 'upsTestSpinLock', 'upsTestResultsSummary', 'upsTestResultsDetail', 'upsTestStartTime', 'upsTestElapsedTime'] },
  upsTrapAlarmEntryAdded: { oid: `${UPS_TRAPS_OID}.3`, objects: ['upsAlarmId', 'upsAlarmDescr'] },
  upsTrapAlarmEntryRemoved: { oid: `${UPS_TRAPS_OID}.4`, objects: ['upsAlarmId', 'upsAlarmDescr'] },
} as const;

/** RFC 1628: upsTrapAlarmEntryAdded is not sent for these alarms (OnBattery has its own trap). */
export const ALARMS_WITHOUT_ADDED_TRAP: ReadonlySet<UpsAlarmName> = new Set(['onBattery', 'testInProgress']);
/** RFC 1628: upsTrapAlarmEntryRemoved is sent for every alarm except upsAlarmTestInProgress. */
export const ALARMS_WITHOUT_REMOVED_TRAP: ReadonlySet<UpsAlarmName> = new Set(['testInProgress']);

/** Markdown table of every UPS-MIB object the simulator serves (for docs/simulators.md). */
export function upsMibMarkdown(): string {
  const rows = UPS_MIB_OBJECTS.map((o) => {
    const instance = o.table ? (o.table === 'upsAlarmTable' ? '.<alarmId>' : '.1') : '.0';
    return `| ${o.group} | ${o.name} | .${o.oid}${instance} | ${o.syntax} | ${o.units} | ${o.source} |`;
  });
  return ['| group | object | OID (instance) | syntax | units / values | from UpsState |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
