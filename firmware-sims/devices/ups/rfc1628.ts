/**
 * RFC 1628 UPS-MIB objects the simulated UPS exposes, as data: numeric OIDs, SNMP types and the
 * MIB's integer units. Scalars live at `<oid>.0`; table columns at `<entry>.<column>.<line>`.
 */
import * as snmp from 'net-snmp';
import type { ScalarDefinition, TableDefinition } from '../../protocols/snmp/agent.ts';

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
