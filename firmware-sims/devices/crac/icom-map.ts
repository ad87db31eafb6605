/**
 * Liebert iCOM-style Modbus map of a CRAC/CRAH unit, as served by a Liebert IntelliSlot card:
 * input registers (FC04, 3xxxx) are read-only values, holding registers (FC03/FC06/FC16, 4xxxx) are
 * settings and commands. "Divide by the Scale column": °C and %RH are tenths (scale 10), and °C values
 * have separate °F registers. Register numbers are 1-based as in the Liebert tables: input 3xxxx is
 * protocol address xxxx−1 (30100 → 99), holding 4xxxx is xxxx−1 (40426 → 425).
 *
 * Addresses marked `source: 'vendor'` are the ones the public Liebert IntelliSlot tables give for iCOM
 * units (Liebert DS/CW family table, iCOM v4); `source: 'kiban'` are placed by Kiban in free addresses
 * of the same map where the public tables were not available to us.
 */
import type { CracOperatingState, CracState } from '../../site/types.ts';
import { describeRegisterMap, type RegisterDef, type RegisterMapRow } from '../../protocols/modbus/register-map.ts';

export const ICOM_OPERATING_STATE: Record<CracOperatingState, number> = { off: 0, on: 1, standby: 2 };

/** Kiban status/alarm bitfield (input 30103). */
export const ICOM_STATUS_BITS = {
  running: 1 << 0,
  standby: 1 << 1,
  alarmActive: 1 << 2,
  alarmAcknowledged: 1 << 3,
  warning: 1 << 4,
  returnAirOverTemp: 1 << 5,
  abnormal: 1 << 6,
} as const;

/** System Event Acknowledge/Reset (40427) values. */
export const ICOM_EVENT_COMMAND = { reset: 2, acknowledge: 4 } as const;

export type CracCommand =
  | { on: boolean }
  | { ack: true }
  | { reset: true }
  /** Return air temperature set point written through 40263 (°C). */
  | { returnAirSetpointC: number };

export const ICOM_DEFAULTS = {
  returnAirSetpointC: 24,
  /** Return Air Over Temp Threshold (30050): above it the over-temperature bit is set. */
  returnAirOverTempThresholdC: 35,
  setpointMinC: 15,
  setpointMaxC: 30,
} as const;

const cToF = (c: number) => c * 9 / 5 + 32;

/** Adapter-local settings of one unit (what the iCOM controller stores, not physics). */
export interface IcomSettings {
  returnAirSetpointC: number;
}

export function icomRegisterDefs(
  settings: IcomSettings,
  command: (cmd: CracCommand) => void,
): RegisterDef<CracState>[] {
  const statusBits = (s: CracState) =>
    (s.state === 'on' ? ICOM_STATUS_BITS.running : 0) |
    (s.state === 'standby' ? ICOM_STATUS_BITS.standby : 0) |
    (s.alarmActive ? ICOM_STATUS_BITS.alarmActive : 0) |
    (s.alarmActive && s.alarmAcknowledged ? ICOM_STATUS_BITS.alarmAcknowledged : 0) |
    (s.systemStatus === 8 ? ICOM_STATUS_BITS.warning : 0) |
    (s.returnAirTempC > ICOM_DEFAULTS.returnAirOverTempThresholdC ? ICOM_STATUS_BITS.returnAirOverTemp : 0) |
    (s.systemStatus === 32 ? ICOM_STATUS_BITS.abnormal : 0);

  const tenthsC = { type: 's16', unit: '°C', scale: 10 } as const;
  const tenthsF = { type: 's16', unit: '°F', scale: 10 } as const;
  const tenthsRh = { type: 'u16', unit: '%RH', scale: 10 } as const;
  return [
    // ------------------------------------------------------------------ input registers (FC04)
    { table: 'input', address: 49, name: 'Return Air Over Temp Threshold', ...tenthsC, access: 'r', source: 'vendor',
      read: () => ICOM_DEFAULTS.returnAirOverTempThresholdC },
    { table: 'input', address: 99, name: 'System Operating State', type: 'u16', unit: '', scale: 1, access: 'r', source: 'vendor',
      description: '0 off, 1 on, 2 standby', read: (s) => ICOM_OPERATING_STATE[s.state] },
    { table: 'input', address: 101, name: 'System Status', type: 'u16', unit: '', scale: 1, access: 'r', source: 'vendor',
      description: '1 normal, 2 startup, 8 normal with warning, 16 normal with alarm, 32 abnormal', read: (s) => s.systemStatus },
    { table: 'input', address: 102, name: 'Status and Alarm Bits', type: 'u16', unit: '', scale: 1, access: 'r', source: 'kiban',
      description: 'bit0 running, bit1 standby, bit2 alarm active, bit3 alarm acknowledged, bit4 warning, bit5 return air over temp, bit6 abnormal',
      read: statusBits },
    { table: 'input', address: 103, name: 'Return Air Temperature', ...tenthsC, access: 'r', source: 'kiban', read: (s) => s.returnAirTempC },
    { table: 'input', address: 104, name: 'Supply Air Temperature', ...tenthsC, access: 'r', source: 'kiban', read: (s) => s.supplyAirTempC },
    { table: 'input', address: 129, name: 'Return Humidity', ...tenthsRh, access: 'r', source: 'vendor', read: (s) => s.returnHumidityPct },
    { table: 'input', address: 130, name: 'Supply Humidity', ...tenthsRh, access: 'r', source: 'kiban', read: (s) => s.supplyHumidityPct },
    { table: 'input', address: 262, name: 'Return Air Temperature Set Point', ...tenthsC, access: 'r', source: 'vendor',
      read: () => settings.returnAirSetpointC },
    { table: 'input', address: 425, name: 'System On/Off Control', type: 'u16', unit: '', scale: 1, access: 'r', source: 'vendor',
      description: '0 off, 1 on (standby counts as on: the unit is enabled)', read: (s) => (s.state === 'off' ? 0 : 1) },
    { table: 'input', address: 450, name: 'Fan Speed', type: 'u16', unit: '%', scale: 1, access: 'r', source: 'vendor', read: (s) => s.fanSpeedPct },
    { table: 'input', address: 563, name: 'Cooling Capacity', type: 'u16', unit: '%', scale: 1, access: 'r', source: 'vendor', read: (s) => s.coolingCapacityPct },
    { table: 'input', address: 729, name: 'Return Air Temperature', ...tenthsF, access: 'r', source: 'kiban', read: (s) => cToF(s.returnAirTempC) },
    { table: 'input', address: 730, name: 'Supply Air Temperature', ...tenthsF, access: 'r', source: 'kiban', read: (s) => cToF(s.supplyAirTempC) },
    { table: 'input', address: 738, name: 'Return Air Over Temp Threshold', ...tenthsF, access: 'r', source: 'vendor',
      read: () => cToF(ICOM_DEFAULTS.returnAirOverTempThresholdC) },
    { table: 'input', address: 753, name: 'Return Air Temperature Set Point', ...tenthsF, access: 'r', source: 'vendor',
      read: () => cToF(settings.returnAirSetpointC) },

    // ------------------------------------------------------------------ holding registers (FC03/06/16)
    { table: 'holding', address: 262, name: 'Return Air Temperature Set Point', ...tenthsC, access: 'rw', source: 'vendor',
      description: `${ICOM_DEFAULTS.setpointMinC}.0–${ICOM_DEFAULTS.setpointMaxC}.0 °C, else exception 3`,
      read: () => settings.returnAirSetpointC,
      write: {
        validate: (raw) => raw >= ICOM_DEFAULTS.setpointMinC * 10 && raw <= ICOM_DEFAULTS.setpointMaxC * 10,
        apply: (raw) => {
          settings.returnAirSetpointC = raw / 10;
          command({ returnAirSetpointC: raw / 10 });
        },
      } },
    { table: 'holding', address: 425, name: 'System On/Off Control', type: 'u16', unit: '', scale: 1, access: 'rw', source: 'vendor',
      description: 'write 0 off / 1 on; other values exception 3', read: (s) => (s.state === 'off' ? 0 : 1),
      write: { validate: (raw) => raw === 0 || raw === 1, apply: (raw) => command({ on: raw === 1 }) } },
    { table: 'holding', address: 426, name: 'System Event Acknowledge/Reset', type: 'u16', unit: '', scale: 1, access: 'w', source: 'vendor',
      description: 'write 4 acknowledge, 2 reset; other values exception 3; reads 0',
      write: {
        validate: (raw) => raw === ICOM_EVENT_COMMAND.acknowledge || raw === ICOM_EVENT_COMMAND.reset,
        apply: (raw) => command(raw === ICOM_EVENT_COMMAND.acknowledge ? { ack: true } : { reset: true }),
      } },
    { table: 'holding', address: 753, name: 'Return Air Temperature Set Point', ...tenthsF, access: 'r', source: 'vendor',
      description: 'read-only in the simulator (write the °C register 40263); writes get exception 3',
      read: () => cToF(settings.returnAirSetpointC) },
  ];
}

/** The CRAC register map for documentation (units, scaling, access). */
export const ICOM_REGISTER_MAP: RegisterMapRow[] = describeRegisterMap(
  icomRegisterDefs({ returnAirSetpointC: ICOM_DEFAULTS.returnAirSetpointC }, () => {}),
);
