/**
 * What the browser needs to show and edit the typed attributes of each CI type: input kind, unit and the
 * allowed values. Mirrors CI_ATTRIBUTE_SCHEMAS in server/domain/cmdb/types.ts (the server validates; this
 * only chooses widgets and units, so a drift shows up as a field error, never as bad data).
 */
import type { CiType } from '../../api/cmdb.ts';

export type AttributeSpec =
  | { name: string; kind: 'number'; unit?: string; integer?: boolean; required?: boolean; fraction?: boolean }
  | { name: string; kind: 'text' }
  | { name: string; kind: 'enum'; options: readonly string[] }
  | { name: string; kind: 'list'; options: readonly string[] }
  | { name: string; kind: 'boolean' };

const text = (name: string): AttributeSpec => ({ name, kind: 'text' });
const num = (name: string, unit?: string, extra: { integer?: boolean; required?: boolean; fraction?: boolean } = {}): AttributeSpec =>
  ({ name, kind: 'number', unit, ...extra });
const int = (name: string, unit?: string, required = false): AttributeSpec => num(name, unit, { integer: true, required });
const oneOf = (name: string, options: readonly string[]): AttributeSpec => ({ name, kind: 'enum', options });

const AIRFLOW = ['front-to-rear', 'rear-to-front', 'side-to-rear', 'passive'] as const;
const SUPPLY_PHASE = ['single', 'three'] as const;
const CONDUCTORS = ['L1', 'L2', 'L3', 'L1L2L3', 'L1L2', 'L2L3', 'L3L1'] as const;

export const ATTRIBUTE_SPECS: Record<CiType, readonly AttributeSpec[]> = {
  site: [text('address'), text('timezone'), num('latitude', '°'), num('longitude', '°')],
  building: [text('address'), int('floors')],
  room: [text('floor'), int('gridColumns'), int('gridRows'), int('tileMm', 'mm'), num('areaM2', 'm²')],
  row: [int('gridRow'), oneOf('aisle', ['hot', 'cold', 'none'])],
  rack: [
    int('uHeight', 'U', true), num('maxWeightKg', 'kg'), num('maxKw', 'kW'), num('coolingKw', 'kW'),
    oneOf('airflow', AIRFLOW), int('gridX'), int('gridY'), { name: 'descendingUnits', kind: 'boolean' },
  ],
  utility: [text('provider'), num('contractKw', 'kW'), num('voltageV', 'V'), text('accountNumber')],
  transformer: [num('ratedKva', 'kVA'), num('primaryV', 'V'), num('secondaryV', 'V')],
  generator: [num('ratedKva', 'kVA'), num('ratedKw', 'kW'), oneOf('fuel', ['diesel', 'gas', 'other']), num('tankL', 'L')],
  ups: [
    num('ratedKva', 'kVA', { required: true }), num('ratedKw', 'kW', { required: true }),
    oneOf('topology', ['online-double-conversion', 'line-interactive', 'offline', 'rotary']),
    int('batteryStrings'), num('runtimeMin', 'min'),
  ],
  panel: [num('voltageV', 'V'), num('ratedA', 'A'), oneOf('phase', SUPPLY_PHASE), int('ways')],
  breaker: [
    num('ratedA', 'A', { required: true }), int('poles', undefined, true), oneOf('phase', CONDUCTORS),
    num('voltageV', 'V'), text('position'),
  ],
  feed: [
    oneOf('side', ['A', 'B']), num('voltageV', 'V'), num('ratedA', 'A'), oneOf('phase', SUPPLY_PHASE),
    num('maxUtilization', undefined, { fraction: true }),
  ],
  pdu: [int('outletCount'), num('ratedA', 'A'), num('voltageV', 'V'), { name: 'floorStanding', kind: 'boolean' }],
  meter: [oneOf('measures', ['utility', 'generator', 'pv', 'water', 'it', 'cooling', 'other'])],
  crac: [num('coolingKw', 'kW'), oneOf('kind', ['crac', 'crah', 'in-row']), int('gridX'), int('gridY')],
  chiller: [num('coolingKw', 'kW')],
  sensor: [{ name: 'measures', kind: 'list', options: ['temperature', 'humidity', 'airflow', 'leak', 'door', 'pressure'] }],
  server: [text('role'), text('os'), text('hostname')],
  switch: [text('role'), text('hostname')],
  storage: [text('role'), num('capacityTb', 'TB')],
  service: [oneOf('criticality', ['low', 'medium', 'high', 'critical']), text('serviceOwner'), text('slaTarget')],
  collector: [text('hostname')],
};

/** Specs of a type plus any attribute the CI carries that this table does not know (shown as text). */
export function attributeSpecsFor(type: CiType, attributes: Record<string, unknown> = {}): AttributeSpec[] {
  const known = ATTRIBUTE_SPECS[type] ?? [];
  const names = new Set(known.map((spec) => spec.name));
  const extra = Object.keys(attributes).filter((name) => !names.has(name)).sort().map(text);
  return [...known, ...extra];
}

/** Types that live in the location tree; their children are places or equipment, not rack units. */
export const LOCATION_TYPES: readonly CiType[] = ['site', 'building', 'room', 'row', 'rack'];
