/**
 * Holding-register maps (FC03) of the simulated meters, modelled on common DIN-rail energy meters and
 * pulse-to-Modbus water meters: integer registers with a fixed decimal scale, 32-bit values in two
 * registers and 64-bit counters in four, with the word order a per-meter setting (`MeterSpec.wordOrder`):
 * ABCD = most significant word first; CDAB = least significant word first (for 64-bit registers all four
 * words are in ascending significance). Byte order inside each register is always big-endian.
 *
 * Register numbers are 1-based (4xxxx → protocol address xxxx−1). All addresses are Kiban's own map; the
 * measurement block 0–15 is contiguous so a poller can read it in one request, 16–63 are unmapped
 * (exception 2) and 64–65 identify the meter.
 */
import type { MeterKind, MeterState } from '../../site/types.ts';
import { describeRegisterMap, type RegisterDef, type RegisterMapRow, type WordOrder } from '../../protocols/modbus/register-map.ts';

export const METER_KIND_CODE: Record<MeterKind, number> = { utility: 1, generator: 2, pv: 3, water: 4 };
export const WORD_ORDER_CODE: Record<WordOrder, number> = { ABCD: 0, CDAB: 1 };

/** Identity registers common to both maps. */
function identityDefs(kind: MeterKind, wordOrder: WordOrder): RegisterDef<MeterState>[] {
  return [
    { table: 'holding', address: 64, name: 'Meter Kind', type: 'u16', unit: '', scale: 1, access: 'r',
      description: '1 utility, 2 generator, 3 PV, 4 water', read: () => METER_KIND_CODE[kind] },
    { table: 'holding', address: 65, name: 'Word Order', type: 'u16', unit: '', scale: 1, access: 'r',
      description: '0 ABCD (high word first), 1 CDAB (low word first)', read: () => WORD_ORDER_CODE[wordOrder] },
  ];
}

/** Floor, not round: a counter must never show energy that has not been delivered yet. */
const counter = (v: number) => Math.max(0, Math.floor(v));

export function energyMeterRegisterDefs(kind: MeterKind, wordOrder: WordOrder): RegisterDef<MeterState>[] {
  return [
    { table: 'holding', address: 0, name: 'Voltage L-L (3-phase, line to line)', type: 'u16', unit: 'V', scale: 10, access: 'r', read: (s) => s.voltageV },
    { table: 'holding', address: 1, name: 'Power Factor', type: 's16', unit: '', scale: 1000, access: 'r', read: (s) => s.powerFactor },
    { table: 'holding', address: 2, name: 'Current', type: 'u32', unit: 'A', scale: 1000, access: 'r', read: (s) => s.currentA },
    { table: 'holding', address: 4, name: 'Active Power', type: 's32', unit: 'W', scale: 1, access: 'r',
      description: 'PV and generator meters count their production as positive', read: (s) => s.powerW },
    { table: 'holding', address: 6, name: 'Active Power Demand', type: 's32', unit: 'W', scale: 1, access: 'r',
      description: 'mean active power over the last 15 min', read: (s) => s.demandW },
    { table: 'holding', address: 8, name: 'Active Energy (32-bit Wh)', type: 'u32', unit: 'Wh', scale: 1, access: 'r', wraps: true,
      description: 'wraps to 0 after 4 294 967 295 Wh', read: (s) => counter(s.energyWh) },
    { table: 'holding', address: 10, name: 'Active Energy (32-bit 0.1 kWh)', type: 'u32', unit: 'kWh', scale: 10, access: 'r', wraps: true,
      description: 'raw counts 0.1 kWh (100 Wh) steps', read: (s) => counter(s.energyWh / 100) / 10 },
    { table: 'holding', address: 12, name: 'Active Energy (64-bit Wh)', type: 'u64', unit: 'Wh', scale: 1, access: 'r',
      read: (s) => BigInt(counter(s.energyWh)) },
    ...identityDefs(kind, wordOrder),
  ];
}

export function waterMeterRegisterDefs(wordOrder: WordOrder): RegisterDef<MeterState>[] {
  return [
    { table: 'holding', address: 0, name: 'Volume', type: 'u32', unit: 'L', scale: 1, access: 'r', wraps: true,
      description: 'totaliser, wraps to 0 after 4 294 967 295 L', read: (s) => counter(s.volumeL) },
    { table: 'holding', address: 2, name: 'Flow', type: 'u16', unit: 'L/min', scale: 10, access: 'r', read: (s) => s.flowLpm },
    ...identityDefs('water', wordOrder),
  ];
}

export function meterRegisterDefs(kind: MeterKind, wordOrder: WordOrder): RegisterDef<MeterState>[] {
  return kind === 'water' ? waterMeterRegisterDefs(wordOrder) : energyMeterRegisterDefs(kind, wordOrder);
}

/** For docs: the energy-meter and water-meter maps (word order column shows both settings). */
export const ENERGY_METER_REGISTER_MAP: Record<WordOrder, RegisterMapRow[]> = {
  ABCD: describeRegisterMap(energyMeterRegisterDefs('utility', 'ABCD'), 'ABCD'),
  CDAB: describeRegisterMap(energyMeterRegisterDefs('utility', 'CDAB'), 'CDAB'),
};
export const WATER_METER_REGISTER_MAP: Record<WordOrder, RegisterMapRow[]> = {
  ABCD: describeRegisterMap(waterMeterRegisterDefs('ABCD'), 'ABCD'),
  CDAB: describeRegisterMap(waterMeterRegisterDefs('CDAB'), 'CDAB'),
};
