/**
 * ServerTech PRO2 personality: Sentry4-MIB (enterprise 1718, sentry4 = .4, st4Objects = .4.1) plus the
 * MIB-II system group.
 *
 * Column numbers follow the published Sentry4-MIB (revision 2017-06-15) as compiled by pysmi and as
 * read by the Checkmk/check_pdu_health plugins. Unlike PDU2-MIB, every reading is an Integer32 with a
 * fixed scale named in the MIB's UNITS clause (hundredth Amps, tenth Volts, ...), and -1 means "not
 * available". The input cord carries power, power factor and energy; its current and voltage live in
 * the line and phase tables. Energy is Wh for outlets but tenths of kWh for cords and phases.
 */
import type { SnmpValue } from '../../protocols/snmp-lite/ber.ts';
import { integerWrite, MibTemplate, parseOid, type MibInstanceDefinition, type MibWrite } from '../../protocols/snmp-lite/mib.ts';
import { berType, mib2SystemObjects, objectOid, type ObjectSpec, type VendorOidTable } from './oid-table.ts';
import { clampInt32, nominalVoltageV, outletReading, type PduSnapshot } from './pdu-runtime.ts';

export const SENTRY4_ENTERPRISE = '1.3.6.1.4.1.1718.4';
/** The sentry4 MODULE-IDENTITY node; PRO2 units report it as sysObjectID. */
export const SENTRY4_SYS_OBJECT_ID = '1.3.6.1.4.1.1718.4';
const UNIT = 1;
const CORD = 1;
const LINE = 1;
const PHASE = 1;
const OCP = 1;
const BRANCH = 1;
/** Outlet rating used for st4OutletCurrentUtilized and warnings (IEC C13). */
export const SENTRY4_OUTLET_RATED_CURRENT_A = 10;

/** DeviceStatus textual convention. */
export const Sentry4Status = {
  normal: 0, disabled: 1, purged: 2, reading: 5, settle: 6, notFound: 7, lost: 8, readError: 9, noComm: 10, pwrError: 11,
  breakerTripped: 12, fuseBlown: 13, lowAlarm: 14, lowWarning: 15, highWarning: 16, highAlarm: 17, alarm: 18, underLimit: 19,
  overLimit: 20, nvmFail: 21, profileError: 22, conflict: 23,
} as const;
/** DeviceState textual convention. */
export const Sentry4State = { unknown: 0, on: 1, off: 2 } as const;
/** st4OutletControlState (subset served). */
export const Sentry4ControlState = { notSet: 0, fixedOn: 1, off: 10, on: 11, reboot: 12 } as const;
/** st4OutletControlAction. */
export const Sentry4ControlAction = { none: 0, on: 1, off: 2, reboot: 3, queueOn: 4, queueOff: 5, queueReboot: 6 } as const;
const NOT_AVAILABLE = -1;

const s4 = (suffix: string) => `${SENTRY4_ENTERPRISE}.1.${suffix}`;
const CORD_IDX = '<unit>.<cord>';
const LINE_IDX = '<unit>.<cord>.<line>';
const PHASE_IDX = '<unit>.<cord>.<phase>';
const OCP_IDX = '<unit>.<cord>.<ocp>';
const BRANCH_IDX = '<unit>.<cord>.<branch>';
const OUTLET_IDX = '<unit>.<cord>.<outlet>';

export const SENTRY4_OBJECTS = {
  ...mib2SystemObjects({ sysDescr: 'Product and firmware', sysObjectID: `${SENTRY4_SYS_OBJECT_ID} (sentry4)`, sysName: 'PDU id', sysServices: '72' }),
  st4SystemProductName: { name: 'st4SystemProductName', oid: s4('1.1.1'), index: '0', syntax: 'DisplayString', access: 'read-only', description: 'Product name (checkmk detects Sentry4 by this OID)' },
  st4SystemLocation: { name: 'st4SystemLocation', oid: s4('1.1.2'), index: '0', syntax: 'DisplayString', access: 'read-only', description: 'Rack id' },
  st4SystemFirmwareVersion: { name: 'st4SystemFirmwareVersion', oid: s4('1.1.3'), index: '0', syntax: 'DisplayString', access: 'read-only', description: 'Firmware version' },
  st4SystemNICSerialNumber: { name: 'st4SystemNICSerialNumber', oid: s4('1.1.5'), index: '0', syntax: 'DisplayString', access: 'read-only', description: 'Network card serial' },
  st4SystemProductSeries: { name: 'st4SystemProductSeries', oid: s4('1.1.7'), index: '0', syntax: 'INTEGER', access: 'read-only', description: 'pro1(0), pro2(1): 1' },
  st4SystemUnitCount: { name: 'st4SystemUnitCount', oid: s4('1.1.21'), index: '0', syntax: 'Integer32', access: 'read-only', description: 'Units (linked PDUs): 1' },
  st4UnitID: { name: 'st4UnitID', oid: s4('2.2.1.2'), index: '<unit>', syntax: 'DisplayString', access: 'read-only', description: '"A"' },
  st4UnitName: { name: 'st4UnitName', oid: s4('2.2.1.3'), index: '<unit>', syntax: 'DisplayString', access: 'read-only', description: 'PDU id' },
  st4UnitProductSN: { name: 'st4UnitProductSN', oid: s4('2.2.1.4'), index: '<unit>', syntax: 'DisplayString', access: 'read-only', description: 'Serial number' },
  st4UnitModel: { name: 'st4UnitModel', oid: s4('2.2.1.5'), index: '<unit>', syntax: 'DisplayString', access: 'read-only', description: 'Model' },
  st4UnitType: { name: 'st4UnitType', oid: s4('2.2.1.7'), index: '<unit>', syntax: 'INTEGER', access: 'read-only', description: 'masterPdu(0)' },
  st4UnitInputCordCount: { name: 'st4UnitInputCordCount', oid: s4('2.2.1.30'), index: '<unit>', syntax: 'Integer32', access: 'read-only', description: '1' },
  st4UnitStatus: { name: 'st4UnitStatus', oid: s4('2.3.1.1'), index: '<unit>', syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus: normal(0)' },
  st4InputCordID: { name: 'st4InputCordID', oid: s4('3.2.1.2'), index: CORD_IDX, syntax: 'DisplayString', access: 'read-only', description: '"AA"' },
  st4InputCordName: { name: 'st4InputCordName', oid: s4('3.2.1.3'), index: CORD_IDX, syntax: 'DisplayString', access: 'read-only', description: '"Feed A" / "Feed B"' },
  st4InputCordInletType: { name: 'st4InputCordInletType', oid: s4('3.2.1.6'), index: CORD_IDX, syntax: 'DisplayString', access: 'read-only', description: 'Plug type' },
  st4InputCordNominalVoltage: { name: 'st4InputCordNominalVoltage', oid: s4('3.2.1.7'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'V', scaling: '× 0.1', description: 'Nominal voltage' },
  st4InputCordCurrentCapacity: { name: 'st4InputCordCurrentCapacity', oid: s4('3.2.1.10'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', description: 'Rated current of the cord' },
  st4InputCordCurrentCapacityMax: { name: 'st4InputCordCurrentCapacityMax', oid: s4('3.2.1.11'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', description: 'Rated current of the cord' },
  st4InputCordPowerCapacity: { name: 'st4InputCordPowerCapacity', oid: s4('3.2.1.12'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'VA', description: 'Nominal voltage × rated current' },
  st4InputCordNominalPowerFactor: { name: 'st4InputCordNominalPowerFactor', oid: s4('3.2.1.13'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', scaling: '× 0.01', description: 'Nominal power factor (0.95)' },
  st4InputCordLineCount: { name: 'st4InputCordLineCount', oid: s4('3.2.1.20'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', description: '1 (single phase)' },
  st4InputCordPhaseCount: { name: 'st4InputCordPhaseCount', oid: s4('3.2.1.21'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', description: '1' },
  st4InputCordOcpCount: { name: 'st4InputCordOcpCount', oid: s4('3.2.1.22'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', description: '1' },
  st4InputCordBranchCount: { name: 'st4InputCordBranchCount', oid: s4('3.2.1.23'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', description: '1' },
  st4InputCordOutletCount: { name: 'st4InputCordOutletCount', oid: s4('3.2.1.24'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', description: 'Outlets on the cord (24)' },
  st4InputCordState: { name: 'st4InputCordState', oid: s4('3.3.1.1'), index: CORD_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceState: on(1)' },
  st4InputCordStatus: { name: 'st4InputCordStatus', oid: s4('3.3.1.2'), index: CORD_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus: normal(0)' },
  st4InputCordActivePower: { name: 'st4InputCordActivePower', oid: s4('3.3.1.3'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'W', description: 'Inlet active power' },
  st4InputCordActivePowerStatus: { name: 'st4InputCordActivePowerStatus', oid: s4('3.3.1.4'), index: CORD_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4InputCordApparentPower: { name: 'st4InputCordApparentPower', oid: s4('3.3.1.5'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'VA', description: 'Inlet apparent power' },
  st4InputCordApparentPowerStatus: { name: 'st4InputCordApparentPowerStatus', oid: s4('3.3.1.6'), index: CORD_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus: highWarning(16) above 80 % of power capacity, highAlarm(17) above 100 %' },
  st4InputCordPowerUtilized: { name: 'st4InputCordPowerUtilized', oid: s4('3.3.1.7'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: '%', scaling: '× 0.1', description: 'Apparent power / power capacity' },
  st4InputCordPowerFactor: { name: 'st4InputCordPowerFactor', oid: s4('3.3.1.8'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', scaling: '× 0.01', description: 'Inlet power factor (-1 without load)' },
  st4InputCordPowerFactorStatus: { name: 'st4InputCordPowerFactorStatus', oid: s4('3.3.1.9'), index: CORD_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4InputCordEnergy: { name: 'st4InputCordEnergy', oid: s4('3.3.1.10'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'kWh', scaling: '× 0.1', description: 'Inlet energy counter (tenths of kWh, truncated)' },
  st4InputCordFrequency: { name: 'st4InputCordFrequency', oid: s4('3.3.1.11'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: 'Hz', scaling: '× 0.1', description: 'Supply frequency' },
  st4InputCordOutOfBalance: { name: 'st4InputCordOutOfBalance', oid: s4('3.3.1.12'), index: CORD_IDX, syntax: 'Integer32', access: 'read-only', unit: '%', scaling: '× 0.1', description: '-1 (single phase)' },
  st4InputCordOutOfBalanceStatus: { name: 'st4InputCordOutOfBalanceStatus', oid: s4('3.3.1.13'), index: CORD_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4LineState: { name: 'st4LineState', oid: s4('4.3.1.1'), index: LINE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceState' },
  st4LineStatus: { name: 'st4LineStatus', oid: s4('4.3.1.2'), index: LINE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4LineCurrent: { name: 'st4LineCurrent', oid: s4('4.3.1.3'), index: LINE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', scaling: '× 0.01', description: 'Inlet current (line L1)' },
  st4LineCurrentStatus: { name: 'st4LineCurrentStatus', oid: s4('4.3.1.4'), index: LINE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'highWarning(16) above 80 % of capacity, highAlarm(17) above 100 %' },
  st4LineCurrentUtilized: { name: 'st4LineCurrentUtilized', oid: s4('4.3.1.5'), index: LINE_IDX, syntax: 'Integer32', access: 'read-only', unit: '%', scaling: '× 0.1', description: 'Current / cord capacity' },
  st4PhaseLabel: { name: 'st4PhaseLabel', oid: s4('5.2.1.4'), index: PHASE_IDX, syntax: 'DisplayString', access: 'read-only', description: '"L1-N"' },
  st4PhaseNominalVoltage: { name: 'st4PhaseNominalVoltage', oid: s4('5.2.1.6'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'V', scaling: '× 0.1', description: 'Nominal voltage' },
  st4PhaseState: { name: 'st4PhaseState', oid: s4('5.3.1.1'), index: PHASE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceState' },
  st4PhaseStatus: { name: 'st4PhaseStatus', oid: s4('5.3.1.2'), index: PHASE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4PhaseVoltage: { name: 'st4PhaseVoltage', oid: s4('5.3.1.3'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'V', scaling: '× 0.1', description: 'Inlet voltage' },
  st4PhaseVoltageStatus: { name: 'st4PhaseVoltageStatus', oid: s4('5.3.1.4'), index: PHASE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4PhaseVoltageDeviation: { name: 'st4PhaseVoltageDeviation', oid: s4('5.3.1.5'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: '%', scaling: '× 0.1', description: 'Deviation from nominal voltage' },
  st4PhaseCurrent: { name: 'st4PhaseCurrent', oid: s4('5.3.1.6'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', scaling: '× 0.01', description: 'Inlet current' },
  st4PhaseCurrentCrestFactor: { name: 'st4PhaseCurrentCrestFactor', oid: s4('5.3.1.7'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', scaling: '× 0.1', description: '14 (1.4, sinusoidal load)' },
  st4PhaseActivePower: { name: 'st4PhaseActivePower', oid: s4('5.3.1.8'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'W', description: 'Inlet active power' },
  st4PhaseApparentPower: { name: 'st4PhaseApparentPower', oid: s4('5.3.1.9'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'VA', description: 'Inlet apparent power' },
  st4PhasePowerFactor: { name: 'st4PhasePowerFactor', oid: s4('5.3.1.10'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', scaling: '× 0.01', description: 'Inlet power factor (-1 without load)' },
  st4PhasePowerFactorStatus: { name: 'st4PhasePowerFactorStatus', oid: s4('5.3.1.11'), index: PHASE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4PhaseReactance: { name: 'st4PhaseReactance', oid: s4('5.3.1.12'), index: PHASE_IDX, syntax: 'INTEGER', access: 'read-only', description: 'unknown(0), capacitive(1), inductive(2), resistive(3)' },
  st4PhaseEnergy: { name: 'st4PhaseEnergy', oid: s4('5.3.1.13'), index: PHASE_IDX, syntax: 'Integer32', access: 'read-only', unit: 'kWh', scaling: '× 0.1', description: 'Inlet energy counter (tenths of kWh)' },
  st4OcpID: { name: 'st4OcpID', oid: s4('6.2.1.2'), index: OCP_IDX, syntax: 'DisplayString', access: 'read-only', description: '"AA1"' },
  st4OcpLabel: { name: 'st4OcpLabel', oid: s4('6.2.1.4'), index: OCP_IDX, syntax: 'DisplayString', access: 'read-only', description: '"C1"' },
  st4OcpType: { name: 'st4OcpType', oid: s4('6.2.1.6'), index: OCP_IDX, syntax: 'INTEGER', access: 'read-only', description: 'fuse(0), breaker(1): 1' },
  st4OcpCurrentCapacity: { name: 'st4OcpCurrentCapacity', oid: s4('6.2.1.7'), index: OCP_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', description: 'Breaker rating (= cord rating)' },
  st4OcpBranchCount: { name: 'st4OcpBranchCount', oid: s4('6.2.1.20'), index: OCP_IDX, syntax: 'Integer32', access: 'read-only', description: '1' },
  st4OcpOutletCount: { name: 'st4OcpOutletCount', oid: s4('6.2.1.21'), index: OCP_IDX, syntax: 'Integer32', access: 'read-only', description: 'Outlets behind the breaker' },
  st4OcpStatus: { name: 'st4OcpStatus', oid: s4('6.3.1.1'), index: OCP_IDX, syntax: 'INTEGER', access: 'read-only', description: 'normal(0) / breakerTripped(12)' },
  st4BranchID: { name: 'st4BranchID', oid: s4('7.2.1.2'), index: BRANCH_IDX, syntax: 'DisplayString', access: 'read-only', description: '"AA1"' },
  st4BranchLabel: { name: 'st4BranchLabel', oid: s4('7.2.1.4'), index: BRANCH_IDX, syntax: 'DisplayString', access: 'read-only', description: '"L1-N"' },
  st4BranchCurrentCapacity: { name: 'st4BranchCurrentCapacity', oid: s4('7.2.1.6'), index: BRANCH_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', description: 'Branch rating' },
  st4BranchPhaseID: { name: 'st4BranchPhaseID', oid: s4('7.2.1.20'), index: BRANCH_IDX, syntax: 'DisplayString', access: 'read-only', description: '"AA1"' },
  st4BranchOcpID: { name: 'st4BranchOcpID', oid: s4('7.2.1.21'), index: BRANCH_IDX, syntax: 'DisplayString', access: 'read-only', description: '"AA1"' },
  st4BranchOutletCount: { name: 'st4BranchOutletCount', oid: s4('7.2.1.30'), index: BRANCH_IDX, syntax: 'Integer32', access: 'read-only', description: 'Outlets on the branch' },
  st4BranchState: { name: 'st4BranchState', oid: s4('7.3.1.1'), index: BRANCH_IDX, syntax: 'INTEGER', access: 'read-only', description: 'on(1), off(2) when its breaker tripped' },
  st4BranchStatus: { name: 'st4BranchStatus', oid: s4('7.3.1.2'), index: BRANCH_IDX, syntax: 'INTEGER', access: 'read-only', description: 'normal(0) / breakerTripped(12) / highWarning / highAlarm' },
  st4BranchCurrent: { name: 'st4BranchCurrent', oid: s4('7.3.1.3'), index: BRANCH_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', scaling: '× 0.01', description: 'Sum of outlet currents' },
  st4BranchCurrentStatus: { name: 'st4BranchCurrentStatus', oid: s4('7.3.1.4'), index: BRANCH_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4BranchCurrentUtilized: { name: 'st4BranchCurrentUtilized', oid: s4('7.3.1.5'), index: BRANCH_IDX, syntax: 'Integer32', access: 'read-only', unit: '%', scaling: '× 0.1', description: 'Current / branch capacity' },
  st4OutletID: { name: 'st4OutletID', oid: s4('8.2.1.2'), index: OUTLET_IDX, syntax: 'DisplayString', access: 'read-only', description: '"AA1".."AA24"' },
  st4OutletName: { name: 'st4OutletName', oid: s4('8.2.1.3'), index: OUTLET_IDX, syntax: 'DisplayString', access: 'read-only', description: 'Outlet name from the site model' },
  st4OutletState: { name: 'st4OutletState', oid: s4('8.3.1.1'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceState: on(1), off(2)' },
  st4OutletStatus: { name: 'st4OutletStatus', oid: s4('8.3.1.2'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'normal(0), breakerTripped(12) behind a tripped breaker, highAlarm(17) on overload' },
  st4OutletCurrent: { name: 'st4OutletCurrent', oid: s4('8.3.1.3'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', unit: 'A', scaling: '× 0.01', description: 'Outlet current' },
  st4OutletCurrentStatus: { name: 'st4OutletCurrentStatus', oid: s4('8.3.1.4'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'highWarning(16) above 80 % of the outlet rating, highAlarm(17) on overload' },
  st4OutletCurrentUtilized: { name: 'st4OutletCurrentUtilized', oid: s4('8.3.1.5'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', unit: '%', scaling: '× 0.1', description: `Current / outlet rating (${SENTRY4_OUTLET_RATED_CURRENT_A} A)` },
  st4OutletVoltage: { name: 'st4OutletVoltage', oid: s4('8.3.1.6'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', unit: 'V', scaling: '× 0.1', description: 'Outlet voltage' },
  st4OutletActivePower: { name: 'st4OutletActivePower', oid: s4('8.3.1.7'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', unit: 'W', description: 'Outlet active power' },
  st4OutletActivePowerStatus: { name: 'st4OutletActivePowerStatus', oid: s4('8.3.1.8'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4OutletApparentPower: { name: 'st4OutletApparentPower', oid: s4('8.3.1.9'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', unit: 'VA', description: 'Outlet apparent power' },
  st4OutletPowerFactor: { name: 'st4OutletPowerFactor', oid: s4('8.3.1.10'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', scaling: '× 0.01', description: 'Outlet power factor (-1 without load, as real units report)' },
  st4OutletPowerFactorStatus: { name: 'st4OutletPowerFactorStatus', oid: s4('8.3.1.11'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'DeviceStatus' },
  st4OutletCurrentCrestFactor: { name: 'st4OutletCurrentCrestFactor', oid: s4('8.3.1.12'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', scaling: '× 0.1', description: '14 under load, -1 without' },
  st4OutletReactance: { name: 'st4OutletReactance', oid: s4('8.3.1.13'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'unknown(0), capacitive(1), inductive(2), resistive(3)' },
  st4OutletEnergy: { name: 'st4OutletEnergy', oid: s4('8.3.1.14'), index: OUTLET_IDX, syntax: 'Integer32', access: 'read-only', unit: 'Wh', description: 'Outlet energy counter' },
  st4OutletControlState: { name: 'st4OutletControlState', oid: s4('8.5.1.1'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-only', description: 'on(11), off(10), reboot(12) during a power cycle' },
  st4OutletControlAction: { name: 'st4OutletControlAction', oid: s4('8.5.1.2'), index: OUTLET_IDX, syntax: 'INTEGER', access: 'read-write', description: 'SET on(1), off(2), reboot(3); reads none(0)' },
} satisfies Record<string, ObjectSpec>;

type Sentry4ObjectName = keyof typeof SENTRY4_OBJECTS;

// ---------------------------------------------------------------- scaling helpers

const hundredths = (v: number) => clampInt32(v * 100);
const tenths = (v: number) => clampInt32(v * 10);
const whole = (v: number) => clampInt32(v);
/** Power factor is not measurable without load: real units report -1. */
const powerFactor = (pf: number, apparentVA: number) => (apparentVA >= 1 ? hundredths(pf) : NOT_AVAILABLE);
const tenthKWh = (wh: number) => clampInt32(Math.floor(Math.max(0, wh) / 100));
const utilizedTenths = (value: number, capacity: number) => (capacity > 0 ? clampInt32((value / capacity) * 1000) : NOT_AVAILABLE);
function loadStatus(value: number, capacity: number): number {
  if (value > capacity) return Sentry4Status.highAlarm;
  if (value > 0.8 * capacity) return Sentry4Status.highWarning;
  return Sentry4Status.normal;
}

function cordPowerCapacityVA(s: PduSnapshot): number {
  return nominalVoltageV(s.pdu.inlet.voltageV) * s.pdu.ratedCurrentA;
}

function outletStatus(s: PduSnapshot, outlet: number): number {
  if (s.pdu.breakerTripped) return Sentry4Status.breakerTripped;
  const o = outletReading(s, outlet);
  return o.overload ? Sentry4Status.highAlarm : Sentry4Status.normal;
}

function outletCurrentStatus(s: PduSnapshot, outlet: number): number {
  const o = outletReading(s, outlet);
  if (o.overload) return Sentry4Status.highAlarm;
  return loadStatus(o.currentA, SENTRY4_OUTLET_RATED_CURRENT_A);
}

function branchCurrentA(s: PduSnapshot): number {
  if (s.pdu.breakerTripped) return 0;
  let sum = 0;
  for (let i = 1; i <= s.pdu.outlets.length; i++) sum += outletReading(s, i).currentA;
  return sum;
}

// ---------------------------------------------------------------- template

export function buildSentry4Template(outletCount: number): MibTemplate<PduSnapshot> {
  const defs: MibInstanceDefinition<PduSnapshot>[] = [];
  const add = (name: Sentry4ObjectName, instance: number[], read: (s: PduSnapshot) => SnmpValue, write?: MibWrite<PduSnapshot>) => {
    const spec: ObjectSpec = SENTRY4_OBJECTS[name];
    const objOid = objectOid(spec);
    defs.push({ oid: [...objOid, ...instance], objectLength: objOid.length, type: berType(spec.syntax), read, write });
  };
  const sysObjectId = parseOid(SENTRY4_SYS_OBJECT_ID);

  add('sysDescr', [0], (s) => `Sentry Switched PRO2 ${s.runtime.identity.model}, firmware ${s.runtime.identity.firmwareVersion} (Kiban simulator)`);
  add('sysObjectID', [0], () => sysObjectId);
  add('sysUpTime', [0], (s) => s.upTimeTicks);
  add('sysContact', [0], () => 'facility@kiban.local');
  add('sysName', [0], (s) => s.pdu.id);
  add('sysLocation', [0], (s) => s.pdu.rackId);
  add('sysServices', [0], () => 72);

  add('st4SystemProductName', [0], () => 'Switched PRO2 PDU');
  add('st4SystemLocation', [0], (s) => s.pdu.rackId);
  add('st4SystemFirmwareVersion', [0], (s) => s.runtime.identity.firmwareVersion);
  add('st4SystemNICSerialNumber', [0], (s) => s.runtime.identity.serialNumber.slice(-8));
  add('st4SystemProductSeries', [0], () => 1);
  add('st4SystemUnitCount', [0], () => 1);

  const unit = [UNIT];
  add('st4UnitID', unit, () => 'A');
  add('st4UnitName', unit, (s) => s.pdu.id);
  add('st4UnitProductSN', unit, (s) => s.runtime.identity.serialNumber);
  add('st4UnitModel', unit, (s) => s.runtime.identity.model);
  add('st4UnitType', unit, () => 0);
  add('st4UnitInputCordCount', unit, () => 1);
  add('st4UnitStatus', unit, () => Sentry4Status.normal);

  const cord = [UNIT, CORD];
  add('st4InputCordID', cord, () => 'AA');
  add('st4InputCordName', cord, (s) => `Feed ${s.pdu.feed}`);
  add('st4InputCordInletType', cord, (s) => (s.pdu.ratedCurrentA > 20 ? 'IEC 60309 2P+E 32A' : 'IEC 60320 C20'));
  add('st4InputCordNominalVoltage', cord, (s) => tenths(nominalVoltageV(s.pdu.inlet.voltageV)));
  add('st4InputCordCurrentCapacity', cord, (s) => whole(s.pdu.ratedCurrentA));
  add('st4InputCordCurrentCapacityMax', cord, (s) => whole(s.pdu.ratedCurrentA));
  add('st4InputCordPowerCapacity', cord, (s) => whole(cordPowerCapacityVA(s)));
  add('st4InputCordNominalPowerFactor', cord, () => 95);
  add('st4InputCordLineCount', cord, () => 1);
  add('st4InputCordPhaseCount', cord, () => 1);
  add('st4InputCordOcpCount', cord, () => 1);
  add('st4InputCordBranchCount', cord, () => 1);
  add('st4InputCordOutletCount', cord, () => outletCount);
  add('st4InputCordState', cord, () => Sentry4State.on);
  add('st4InputCordStatus', cord, () => Sentry4Status.normal);
  add('st4InputCordActivePower', cord, (s) => whole(s.pdu.inlet.activePowerW));
  add('st4InputCordActivePowerStatus', cord, () => Sentry4Status.normal);
  add('st4InputCordApparentPower', cord, (s) => whole(s.pdu.inlet.apparentPowerVA));
  add('st4InputCordApparentPowerStatus', cord, (s) => loadStatus(s.pdu.inlet.apparentPowerVA, cordPowerCapacityVA(s)));
  add('st4InputCordPowerUtilized', cord, (s) => utilizedTenths(s.pdu.inlet.apparentPowerVA, cordPowerCapacityVA(s)));
  add('st4InputCordPowerFactor', cord, (s) => powerFactor(s.pdu.inlet.powerFactor, s.pdu.inlet.apparentPowerVA));
  add('st4InputCordPowerFactorStatus', cord, () => Sentry4Status.normal);
  add('st4InputCordEnergy', cord, (s) => tenthKWh(s.pdu.inlet.activeEnergyWh));
  add('st4InputCordFrequency', cord, (s) => tenths(s.pdu.inlet.frequencyHz));
  add('st4InputCordOutOfBalance', cord, () => NOT_AVAILABLE);
  add('st4InputCordOutOfBalanceStatus', cord, () => Sentry4Status.normal);

  const line = [UNIT, CORD, LINE];
  add('st4LineState', line, () => Sentry4State.on);
  add('st4LineStatus', line, (s) => loadStatus(s.pdu.inlet.currentA, s.pdu.ratedCurrentA));
  add('st4LineCurrent', line, (s) => hundredths(s.pdu.inlet.currentA));
  add('st4LineCurrentStatus', line, (s) => loadStatus(s.pdu.inlet.currentA, s.pdu.ratedCurrentA));
  add('st4LineCurrentUtilized', line, (s) => utilizedTenths(s.pdu.inlet.currentA, s.pdu.ratedCurrentA));

  const phase = [UNIT, CORD, PHASE];
  add('st4PhaseLabel', phase, () => 'L1-N');
  add('st4PhaseNominalVoltage', phase, (s) => tenths(nominalVoltageV(s.pdu.inlet.voltageV)));
  add('st4PhaseState', phase, () => Sentry4State.on);
  add('st4PhaseStatus', phase, () => Sentry4Status.normal);
  add('st4PhaseVoltage', phase, (s) => tenths(s.pdu.inlet.voltageV));
  add('st4PhaseVoltageStatus', phase, () => Sentry4Status.normal);
  add('st4PhaseVoltageDeviation', phase, (s) => {
    const nominal = nominalVoltageV(s.pdu.inlet.voltageV);
    return clampInt32(((s.pdu.inlet.voltageV - nominal) / nominal) * 1000);
  });
  add('st4PhaseCurrent', phase, (s) => hundredths(s.pdu.inlet.currentA));
  add('st4PhaseCurrentCrestFactor', phase, (s) => (s.pdu.inlet.currentA > 0 ? 14 : NOT_AVAILABLE));
  add('st4PhaseActivePower', phase, (s) => whole(s.pdu.inlet.activePowerW));
  add('st4PhaseApparentPower', phase, (s) => whole(s.pdu.inlet.apparentPowerVA));
  add('st4PhasePowerFactor', phase, (s) => powerFactor(s.pdu.inlet.powerFactor, s.pdu.inlet.apparentPowerVA));
  add('st4PhasePowerFactorStatus', phase, () => Sentry4Status.normal);
  add('st4PhaseReactance', phase, (s) => (s.pdu.inlet.apparentPowerVA >= 1 ? (s.pdu.inlet.powerFactor >= 0.995 ? 3 : 2) : 0));
  add('st4PhaseEnergy', phase, (s) => tenthKWh(s.pdu.inlet.activeEnergyWh));

  const ocp = [UNIT, CORD, OCP];
  add('st4OcpID', ocp, () => 'AA1');
  add('st4OcpLabel', ocp, () => 'C1');
  add('st4OcpType', ocp, () => 1);
  add('st4OcpCurrentCapacity', ocp, (s) => whole(s.pdu.ratedCurrentA));
  add('st4OcpBranchCount', ocp, () => 1);
  add('st4OcpOutletCount', ocp, () => outletCount);
  add('st4OcpStatus', ocp, (s) => (s.pdu.breakerTripped ? Sentry4Status.breakerTripped : Sentry4Status.normal));

  const branch = [UNIT, CORD, BRANCH];
  add('st4BranchID', branch, () => 'AA1');
  add('st4BranchLabel', branch, () => 'L1-N');
  add('st4BranchCurrentCapacity', branch, (s) => whole(s.pdu.ratedCurrentA));
  add('st4BranchPhaseID', branch, () => 'AA1');
  add('st4BranchOcpID', branch, () => 'AA1');
  add('st4BranchOutletCount', branch, () => outletCount);
  add('st4BranchState', branch, (s) => (s.pdu.breakerTripped ? Sentry4State.off : Sentry4State.on));
  add('st4BranchStatus', branch, (s) => (s.pdu.breakerTripped ? Sentry4Status.breakerTripped : loadStatus(branchCurrentA(s), s.pdu.ratedCurrentA)));
  add('st4BranchCurrent', branch, (s) => hundredths(branchCurrentA(s)));
  add('st4BranchCurrentStatus', branch, (s) => loadStatus(branchCurrentA(s), s.pdu.ratedCurrentA));
  add('st4BranchCurrentUtilized', branch, (s) => utilizedTenths(branchCurrentA(s), s.pdu.ratedCurrentA));

  for (let outlet = 1; outlet <= outletCount; outlet++) {
    const row = [UNIT, CORD, outlet];
    add('st4OutletID', row, () => `AA${outlet}`);
    add('st4OutletName', row, (s) => outletReading(s, outlet).name);
    add('st4OutletState', row, (s) => (outletReading(s, outlet).on ? Sentry4State.on : Sentry4State.off));
    add('st4OutletStatus', row, (s) => outletStatus(s, outlet));
    add('st4OutletCurrent', row, (s) => hundredths(outletReading(s, outlet).currentA));
    add('st4OutletCurrentStatus', row, (s) => outletCurrentStatus(s, outlet));
    add('st4OutletCurrentUtilized', row, (s) => utilizedTenths(outletReading(s, outlet).currentA, SENTRY4_OUTLET_RATED_CURRENT_A));
    add('st4OutletVoltage', row, (s) => tenths(outletReading(s, outlet).voltageV));
    add('st4OutletActivePower', row, (s) => whole(outletReading(s, outlet).activePowerW));
    add('st4OutletActivePowerStatus', row, () => Sentry4Status.normal);
    add('st4OutletApparentPower', row, (s) => whole(outletReading(s, outlet).apparentPowerVA));
    add('st4OutletPowerFactor', row, (s) => {
      const o = outletReading(s, outlet);
      return powerFactor(o.powerFactor, o.apparentPowerVA);
    });
    add('st4OutletPowerFactorStatus', row, () => Sentry4Status.normal);
    add('st4OutletCurrentCrestFactor', row, (s) => (outletReading(s, outlet).currentA > 0 ? 14 : NOT_AVAILABLE));
    add('st4OutletReactance', row, (s) => {
      const o = outletReading(s, outlet);
      return o.apparentPowerVA >= 1 ? (o.powerFactor >= 0.995 ? 3 : 2) : 0;
    });
    add('st4OutletEnergy', row, (s) => clampInt32(Math.floor(Math.max(0, outletReading(s, outlet).activeEnergyWh))));
    add('st4OutletControlState', row, (s) => {
      if (s.runtime.switching.isCycling(outlet)) return Sentry4ControlState.reboot;
      return outletReading(s, outlet).on ? Sentry4ControlState.on : Sentry4ControlState.off;
    });
    add('st4OutletControlAction', row, () => Sentry4ControlAction.none,
      integerWrite([Sentry4ControlAction.on, Sentry4ControlAction.off, Sentry4ControlAction.reboot], (s, value) => {
        const action = value === Sentry4ControlAction.reboot ? 'cycle' : value === Sentry4ControlAction.on ? 'on' : 'off';
        s.runtime.switching.request(outlet, action, s.simTimeMs);
      }));
  }
  return new MibTemplate(defs);
}

export const SENTRY4_OID_TABLE: VendorOidTable = {
  vendor: 'sentry4',
  mib: 'Sentry4-MIB',
  enterpriseOid: SENTRY4_ENTERPRISE,
  sysObjectID: SENTRY4_SYS_OBJECT_ID,
  profile: 'servertech-sentry4',
  objects: Object.values(SENTRY4_OBJECTS),
  enums: {
    DeviceStatus: Object.fromEntries(Object.entries(Sentry4Status).map(([k, v]) => [v, k])),
    DeviceState: Object.fromEntries(Object.entries(Sentry4State).map(([k, v]) => [v, k])),
    st4OutletControlAction: Object.fromEntries(Object.entries(Sentry4ControlAction).map(([k, v]) => [v, k])),
  },
  notes: [
    'Every reading is Integer32 in the fixed scale of its UNITS clause; -1 = not available (e.g. power factor of an unloaded outlet).',
    'Indexes: unit 1, input cord 1, line 1, phase 1, OCP 1, branch 1; outlets 1..24 (index `<unit>.<cord>.<outlet>`).',
    'Energy: outlets in Wh; input cord and phase in tenths of kWh (truncated).',
    'Input cord current and voltage are in st4LineCurrent / st4PhaseVoltage (the cord table has no such columns).',
    'A tripped breaker shows as breakerTripped(12) in st4OcpStatus, st4BranchStatus and st4OutletStatus of every outlet behind it.',
    'SET needs the write community (default `private`); the read community gets noAccess.',
  ],
};
