/**
 * APC Smart-UPS Modbus holding-register map (APC application note MPAO-98KJ7F, as read by NUT's
 * `apc_modbus` driver), as data. FC03, unit id 1, 0-based protocol addresses. Multi-register numbers
 * are most-significant word first; scaled values are binary fixed point (raw = value × 2^scale);
 * strings are 2 ASCII characters per register, high byte first, NUL padded.
 *
 * The device implements four register blocks (the ones NUT reads in one request each); registers inside
 * a block that the simulator does not model read 0 ("reserved"). Any address outside the blocks answers
 * exception 2 (illegal data address), as does a read that runs out of a block.
 */
import { s16, s32Words, sfix, stringWords, u16, u32Words, ufix } from '../../protocols/modbus/register-map.ts';
import type { UpsState } from '../../site/types.ts';
import type { UpsIdentity } from './ups-identity.ts';

/** UPSStatusChangeCause_EN (register 2): why the UPS last changed state. */
export const APC_TRANSFER_REASON = {
  SystemInitialization: 0, HighInputVoltage: 1, LowInputVoltage: 2, DistortedInput: 3, RapidChangeOfInputVoltage: 4,
  HighInputFrequency: 5, LowInputFrequency: 6, FreqAndOrPhaseDifference: 7, AcceptableInput: 8, AutomaticTest: 9,
  TestEnded: 10, LocalUICommand: 11, ProtocolCommand: 12, LowBatteryVoltage: 13, GeneralError: 14, PowerSystemError: 15,
  BatterySystemError: 16, ErrorCleared: 17, AutomaticRestart: 18, DistortedInverterOutput: 19, InverterOutputAcceptable: 20,
  EPOInterface: 21, InputPhaseDeltaOutOfRange: 22, InputNeutralNotConnected: 23, ATSTransfer: 24, ConfigurationChange: 25,
  AlertAsserted: 26, AlertCleared: 27, PlugRatingExceeded: 28, OutletGroupStateChange: 29, FailureBypassExpired: 30,
} as const;

/** UPSStatus_BF (registers 0–1) bits. */
export const APC_UPS_STATUS_BIT = {
  online: 1, onBattery: 2, bypass: 3, outputOff: 4, fault: 5, inputBad: 6, test: 7, highEfficiency: 13, overload: 21,
} as const;

/** Negative codes of register 154 (efficiency) when no efficiency can be given. */
export const APC_EFFICIENCY_CODE = {
  notAvailable: -1, loadTooLow: -2, outputOff: -3, onBattery: -4, inBypass: -5, batteryCharging: -6, poorAcInput: -7, batteryDisconnected: -8,
} as const;

/** Input voltage register value when there is no input to measure. */
export const APC_NOT_AVAILABLE_U16 = 0xffff;

export interface ApcRegisterInputs {
  ups: UpsState;
  upsId: string;
  identity: UpsIdentity;
  transferReason: number;
}

export type ApcRegisterType = 'u16' | 's16' | 'u32' | 's32' | 'bitfield16' | 'bitfield32' | 'enum' | 'string';

export interface ApcRegister {
  address: number;
  /** Number of 16-bit registers. */
  length: number;
  name: string;
  type: ApcRegisterType;
  /** Binary scale: engineering value = raw / 2^scale. */
  scale?: number;
  unit: string;
  description: string;
  encode(inputs: ApcRegisterInputs): number[];
}

export interface ApcRegisterBlock { name: string; start: number; end: number }

/** Address ranges the device answers (inclusive). */
export const APC_REGISTER_BLOCKS: readonly ApcRegisterBlock[] = [
  { name: 'status', start: 0, end: 26 },
  { name: 'dynamic', start: 128, end: 159 },
  { name: 'inventory', start: 516, end: 635 },
  { name: 'static', start: 1026, end: 1047 },
];

const DAY_MS = 86_400_000;
const daysSince2000 = (isoDate: string) => Math.max(0, Math.round((Date.parse(`${isoDate}T00:00:00Z`) - Date.UTC(2000, 0, 1)) / DAY_MS));
const percentOf = (value: number, rating: number) => (rating > 0 ? (100 * value) / rating : 0);
const has = (ups: UpsState, ...alarms: string[]) => ups.alarms.some((a) => alarms.includes(a.alarm));

function upsStatusBits(ups: UpsState): number {
  let bits = 0;
  const set = (bit: number, on: boolean) => { if (on) bits += 2 ** bit; };
  set(APC_UPS_STATUS_BIT.online, ups.source === 'normal');
  set(APC_UPS_STATUS_BIT.onBattery, ups.source === 'battery');
  set(APC_UPS_STATUS_BIT.bypass, ups.source === 'bypass');
  set(APC_UPS_STATUS_BIT.outputOff, ups.source === 'none');
  set(APC_UPS_STATUS_BIT.fault, has(ups, 'generalFault', 'outputBad', 'chargerFailed', 'fanFailure'));
  set(APC_UPS_STATUS_BIT.inputBad, ups.source === 'battery' || has(ups, 'inputBad'));
  set(APC_UPS_STATUS_BIT.test, has(ups, 'testInProgress'));
  set(APC_UPS_STATUS_BIT.overload, ups.outputPercentLoad > 100 || has(ups, 'outputOverload'));
  return bits;
}

function efficiencyRaw(ups: UpsState): number {
  if (ups.source === 'none') return s16(APC_EFFICIENCY_CODE.outputOff);
  if (ups.source === 'battery') return s16(APC_EFFICIENCY_CODE.onBattery);
  if (ups.source === 'bypass') return s16(APC_EFFICIENCY_CODE.inBypass);
  if (percentOf(ups.outputPowerW, ups.ratedW) < 5) return s16(APC_EFFICIENCY_CODE.loadTooLow);
  return sfix(ups.efficiencyPercent, 7);
}

const reg = (r: ApcRegister) => r;

/** Every modelled register, ascending by address. */
export const APC_UPS_REGISTERS: readonly ApcRegister[] = [
  reg({ address: 0, length: 2, name: 'UPSStatus_BF', type: 'bitfield32', unit: '', description: 'bit 1 online, 2 on battery, 3 bypass, 4 output off, 5 fault, 6 input bad, 7 test, 21 overload', encode: ({ ups }) => u32Words(upsStatusBits(ups)) }),
  reg({ address: 2, length: 1, name: 'UPSStatusChangeCause_EN', type: 'enum', unit: '', description: 'transfer reason: 0 SystemInitialization, 2 LowInputVoltage, 8 AcceptableInput, 15 PowerSystemError, 17 ErrorCleared … (APC_TRANSFER_REASON)', encode: ({ transferReason }) => [transferReason] }),
  reg({ address: 18, length: 1, name: 'SimpleSignalingStatus_BF', type: 'bitfield16', unit: '', description: 'bit 1 shutdown imminent (battery low/depleted)', encode: ({ ups }) => [ups.batteryStatus === 'low' || ups.batteryStatus === 'depleted' || has(ups, 'shutdownImminent') ? 0b10 : 0] }),
  reg({ address: 19, length: 1, name: 'BatterySystemError_BF', type: 'bitfield16', unit: '', description: 'bit 2 battery needs replacement (batteryBad alarm)', encode: ({ ups }) => [has(ups, 'batteryBad') ? 0b100 : 0] }),

  reg({ address: 128, length: 2, name: 'BatteryRuntimeRemaining', type: 'u32', unit: 's', description: 'runtime remaining = round(minutesRemaining × 60)', encode: ({ ups }) => u32Words(Math.max(0, ups.minutesRemaining * 60)) }),
  reg({ address: 130, length: 1, name: 'StateOfCharge_Pct', type: 'u16', scale: 9, unit: '%', description: 'battery charge', encode: ({ ups }) => [ufix(ups.chargePercent, 9)] }),
  reg({ address: 131, length: 1, name: 'BatteryVoltage', type: 's16', scale: 5, unit: 'V DC', description: 'battery voltage', encode: ({ ups }) => [sfix(ups.batteryVoltageV, 5)] }),
  reg({ address: 135, length: 1, name: 'BatteryTemperature', type: 's16', scale: 7, unit: '°C', description: 'battery temperature', encode: ({ ups }) => [sfix(ups.batteryTemperatureC, 7)] }),
  reg({ address: 136, length: 1, name: 'OutputRealPowerPct', type: 'u16', scale: 8, unit: '% of nominal W', description: 'output real power (NUT ups.load / ups.realpower = % × register 589)', encode: ({ ups }) => [ufix(percentOf(ups.outputPowerW, ups.ratedW), 8)] }),
  reg({ address: 138, length: 1, name: 'OutputApparentPowerPct', type: 'u16', scale: 8, unit: '% of nominal VA', description: 'output apparent power (× register 588 = VA)', encode: ({ ups }) => [ufix(percentOf(ups.outputApparentVA, ups.ratedVA), 8)] }),
  reg({ address: 140, length: 1, name: 'OutputCurrent', type: 'u16', scale: 5, unit: 'A', description: 'output current', encode: ({ ups }) => [ufix(ups.outputCurrentA, 5)] }),
  reg({ address: 142, length: 1, name: 'OutputVoltage', type: 'u16', scale: 6, unit: 'V', description: 'output voltage', encode: ({ ups }) => [ufix(ups.outputVoltageV, 6)] }),
  reg({ address: 144, length: 1, name: 'OutputFrequency', type: 'u16', scale: 7, unit: 'Hz', description: 'output frequency', encode: ({ ups }) => [ufix(ups.outputFrequencyHz, 7)] }),
  reg({ address: 145, length: 2, name: 'OutputEnergy', type: 'u32', unit: 'Wh', description: 'output energy counter, wraps at 2^32', encode: ({ ups }) => u32Words(Math.floor(ups.outputEnergyWh)) }),
  reg({ address: 151, length: 1, name: 'InputVoltage', type: 'u16', scale: 6, unit: 'V', description: 'input voltage; 0xFFFF = not available (no input, e.g. utility failure)', encode: ({ ups }) => [ups.inputVoltageV < 1 ? APC_NOT_AVAILABLE_U16 : ufix(ups.inputVoltageV, 6)] }),
  reg({ address: 154, length: 1, name: 'Efficiency', type: 's16', scale: 7, unit: '%', description: 'efficiency; negative codes −2 load too low (<5 %), −3 output off, −4 on battery, −5 bypass', encode: ({ ups }) => [efficiencyRaw(ups)] }),
  reg({ address: 155, length: 1, name: 'MOG_TurnOffCountdown', type: 's16', unit: 's', description: 'shutdown countdown, −1 = none', encode: () => [s16(-1)] }),
  reg({ address: 156, length: 1, name: 'MOG_TurnOnCountdown', type: 's16', unit: 's', description: 'start countdown, −1 = none', encode: () => [s16(-1)] }),
  reg({ address: 157, length: 2, name: 'MOG_StayOffCountdown', type: 's32', unit: 's', description: 'reboot countdown, −1 = none', encode: () => s32Words(-1) }),

  reg({ address: 516, length: 8, name: 'FirmwareVersion', type: 'string', unit: '', description: 'UPS firmware (16 characters)', encode: ({ identity }) => stringWords(identity.firmware, 8) }),
  reg({ address: 532, length: 16, name: 'Model', type: 'string', unit: '', description: 'model (32 characters)', encode: ({ identity }) => stringWords(identity.model, 16) }),
  reg({ address: 564, length: 8, name: 'SerialNumber', type: 'string', unit: '', description: 'serial number (16 characters)', encode: ({ identity }) => stringWords(identity.serial, 8) }),
  reg({ address: 588, length: 1, name: 'PowerRating_VA', type: 'u16', unit: 'VA', description: 'nominal apparent power (saturates at 65535)', encode: ({ ups }) => [u16(ups.ratedVA)] }),
  reg({ address: 589, length: 1, name: 'RealPowerRating_W', type: 'u16', unit: 'W', description: 'nominal real power (saturates at 65535)', encode: ({ ups }) => [u16(ups.ratedW)] }),
  reg({ address: 590, length: 1, name: 'SOGRelayConfigSetting_BF', type: 'bitfield16', unit: '', description: 'bit 0 main outlet group present', encode: () => [1] }),
  reg({ address: 591, length: 1, name: 'ManufactureDate', type: 'u16', unit: 'days since 2000-01-01', description: 'manufacture date', encode: ({ identity }) => [u16(daysSince2000(identity.manufactureDate))] }),
  reg({ address: 596, length: 8, name: 'UPSName', type: 'string', unit: '', description: 'UPS name (the simulator device id)', encode: ({ upsId }) => stringWords(upsId, 8) }),

  reg({ address: 1026, length: 1, name: 'InputTransferHighVoltage', type: 'u16', unit: 'V', description: 'upper transfer point = round(nominal × 1.2)', encode: ({ identity }) => [u16(identity.nominalVoltageV * 1.2)] }),
  reg({ address: 1027, length: 1, name: 'InputTransferLowVoltage', type: 'u16', unit: 'V', description: 'lower transfer point = round(nominal × 0.8)', encode: ({ identity }) => [u16(identity.nominalVoltageV * 0.8)] }),
  reg({ address: 1029, length: 1, name: 'MOG_TurnOffDelay', type: 's16', unit: 's', description: 'shutdown delay setting', encode: () => [s16(90)] }),
  reg({ address: 1030, length: 1, name: 'MOG_TurnOnDelay', type: 's16', unit: 's', description: 'start delay setting', encode: () => [s16(0)] }),
  reg({ address: 1031, length: 2, name: 'MOG_StayOffTime', type: 's32', unit: 's', description: 'reboot stay-off time setting', encode: () => s32Words(8) }),
];

export function isMappedAddress(address: number): boolean {
  return APC_REGISTER_BLOCKS.some((b) => address >= b.start && address <= b.end);
}

/** All register values of one state: address → 16-bit word (reserved registers in blocks are 0). */
export function encodeApcRegisters(inputs: ApcRegisterInputs): Map<number, number> {
  const words = new Map<number, number>();
  for (const r of APC_UPS_REGISTERS) {
    const encoded = r.encode(inputs);
    if (encoded.length !== r.length) throw new Error(`${r.name}: encoded ${encoded.length} words, expected ${r.length}`);
    encoded.forEach((w, i) => words.set(r.address + i, w & 0xffff));
  }
  return words;
}

/** Transfer reason after a change of output source (kept until the next change). */
export function transferReasonFor(previous: UpsState | undefined, next: UpsState, current: number): number {
  if (!previous || previous.source === next.source) return current;
  if (next.source === 'battery') {
    return next.inputVoltageV > 0 && next.inputFrequencyHz > 0 && Math.abs(next.inputFrequencyHz - next.outputFrequencyHz) > 3
      ? APC_TRANSFER_REASON.LowInputFrequency
      : APC_TRANSFER_REASON.LowInputVoltage;
  }
  if (next.source === 'bypass') return APC_TRANSFER_REASON.PowerSystemError;
  if (next.source === 'normal') return previous.source === 'battery' ? APC_TRANSFER_REASON.AcceptableInput : APC_TRANSFER_REASON.ErrorCleared;
  return current;
}

/** Markdown table of the register map (for docs/simulators.md). */
export function apcModbusMarkdown(): string {
  const rows = APC_UPS_REGISTERS.map((r) => {
    const range = r.length > 1 ? `${r.address}–${r.address + r.length - 1}` : String(r.address);
    const scale = r.scale === undefined ? '1' : `2^${r.scale} (÷${2 ** r.scale})`;
    return `| ${range} | ${r.name} | ${r.type} | ${scale} | ${r.unit} | ${r.description} |`;
  });
  const blocks = APC_REGISTER_BLOCKS.map((b) => `${b.start}–${b.end} (${b.name})`).join(', ');
  return [
    `Holding registers (FC03), 0-based protocol addresses (mbpoll \`-r\` is address + 1). Blocks answered: ${blocks}; unmodelled registers inside a block read 0, anything else is exception 2.`,
    '',
    '| address | name | type | scale | unit | meaning |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
