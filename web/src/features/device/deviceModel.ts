/**
 * Model of the device and point pages: points grouped by metric family (`output.l1.power` → output) for the
 * table, and numeric points grouped by unit for the charts (one chart per unit; a unit with many points,
 * e.g. the outlets of a PDU, is split by family and then into charts of at most MAX_SERIES_PER_CHART).
 * Pure: no Solid, no fetching.
 */
import type { Point } from '../../api/types.ts';
import type { MessageKey } from '../../i18n/index.ts';

export const MAX_SERIES_PER_CHART = 12;
export const GENERAL_FAMILY = 'general';

/** Families in the order facility people read a device: what it delivers first, then what feeds it. */
const FAMILY_ORDER = ['output', 'input', 'battery', 'inlet', 'outlet', 'supply_air', 'return_air', 'cooling', 'fan', 'water',
  'sensor', GENERAL_FAMILY, 'status', 'alarm', 'system', 'config', 'collector'];

const FAMILY_LABELS: Record<string, MessageKey> = {
  output: 'device.family.output', input: 'device.family.input', battery: 'device.family.battery',
  inlet: 'device.family.inlet', outlet: 'device.family.outlet', supply_air: 'device.family.supply_air',
  return_air: 'device.family.return_air', cooling: 'device.family.cooling', fan: 'device.family.fan',
  water: 'device.family.water', sensor: 'device.family.sensor', general: 'device.family.general',
  status: 'device.family.status', alarm: 'device.family.alarm', system: 'device.family.system',
  config: 'device.family.config', collector: 'device.family.collector',
};

export function metricFamily(metric: string): string {
  const dot = metric.indexOf('.');
  return dot > 0 ? metric.slice(0, dot) : GENERAL_FAMILY;
}

/** Message key of a family's name, or undefined for a family without one (shown as written). */
export function familyLabelKey(family: string): MessageKey | undefined {
  return FAMILY_LABELS[family];
}

function familyRank(family: string): number {
  const index = FAMILY_ORDER.indexOf(family);
  return index < 0 ? FAMILY_ORDER.length : index;
}

const byFamily = (a: string, b: string) => familyRank(a) - familyRank(b) || a.localeCompare(b);
const byMetric = (a: Point, b: Point) => a.metric.localeCompare(b.metric, undefined, { numeric: true });

export interface FamilyGroup {
  family: string;
  points: Point[];
}

export function groupByFamily(points: readonly Point[]): FamilyGroup[] {
  const groups = new Map<string, Point[]>();
  for (const point of points) {
    const family = metricFamily(point.metric);
    const list = groups.get(family) ?? [];
    list.push(point);
    groups.set(family, list);
  }
  return [...groups.keys()].sort(byFamily).map((family) => ({ family, points: groups.get(family)!.sort(byMetric) }));
}

/** A point whose history is a line: a measured gauge without state labels (enumerations go in the table only). */
export function isChartable(point: Point): boolean {
  return point.kind === 'gauge' && !(point.states && Object.keys(point.states).length > 0)
    && !NOT_CHARTED_FAMILIES.has(metricFamily(point.metric));
}

/** Configured ratings are constants: on a chart they only squash the measured lines. */
const NOT_CHARTED_FAMILIES = new Set(['config']);

/** Units spelled differently for one quantity share a chart. */
export function canonicalUnit(unit: string): string {
  return unit === 'Cel' ? 'degC' : unit;
}

/** What a unit measures: the chart's title. */
const QUANTITY_BY_UNIT: Record<string, MessageKey> = {
  W: 'device.quantity.power', kW: 'device.quantity.power', VA: 'device.quantity.apparentPower', kVA: 'device.quantity.apparentPower',
  A: 'device.quantity.current', V: 'device.quantity.voltage', Hz: 'device.quantity.frequency',
  degC: 'device.quantity.temperature', degF: 'device.quantity.temperature', '%': 'device.quantity.percent',
  '%RH': 'device.quantity.humidity', Wh: 'device.quantity.energy', kWh: 'device.quantity.energy',
  s: 'device.quantity.duration', min: 'device.quantity.duration', rpm: 'device.quantity.speed',
  'm3/min': 'device.quantity.airflow', 'm3/h': 'device.quantity.airflow', Pa: 'device.quantity.pressure',
  'l/min': 'device.quantity.flow', 'L/min': 'device.quantity.flow', '': 'device.quantity.ratio',
};

export function quantityKey(unit: string): MessageKey {
  return QUANTITY_BY_UNIT[canonicalUnit(unit)] ?? 'device.quantity.other';
}

const UNIT_ORDER = ['W', 'kW', 'VA', 'kVA', 'A', 'V', 'Hz', 'degC', 'degF', '%', '%RH', 'Wh', 'kWh'];
const unitRank = (unit: string) => {
  const index = UNIT_ORDER.indexOf(unit);
  return index < 0 ? UNIT_ORDER.length : index;
};

export interface ChartGroup {
  /** Stable id (unit, family, part): the page remounts a chart only when its id or points change. */
  id: string;
  unit: string;
  /** Set when the unit's points were split by family. */
  family?: string;
  /** Set when one family was still too large for one chart. */
  part?: { index: number; count: number };
  points: Point[];
}

export function chartGroups(points: readonly Point[], maxSeries = MAX_SERIES_PER_CHART): ChartGroup[] {
  const byUnit = new Map<string, Point[]>();
  for (const point of points) {
    if (!isChartable(point)) continue;
    const unit = canonicalUnit(point.unit);
    const list = byUnit.get(unit) ?? [];
    list.push(point);
    byUnit.set(unit, list);
  }
  const units = [...byUnit.keys()].sort((a, b) => unitRank(a) - unitRank(b) || a.localeCompare(b));
  const groups: ChartGroup[] = [];
  for (const unit of units) {
    const unitPoints = byUnit.get(unit)!.sort(byMetric);
    if (unitPoints.length <= maxSeries) {
      groups.push({ id: `unit:${unit}`, unit, points: unitPoints });
      continue;
    }
    for (const { family, points: familyPoints } of groupByFamily(unitPoints)) {
      const count = Math.ceil(familyPoints.length / maxSeries);
      for (let index = 0; index < count; index++) {
        groups.push({
          id: `unit:${unit}|family:${family}|part:${index + 1}`,
          unit,
          family,
          part: count > 1 ? { index: index + 1, count } : undefined,
          points: familyPoints.slice(index * maxSeries, (index + 1) * maxSeries),
        });
      }
    }
  }
  return groups;
}

/**
 * Label of a point inside a chart of its device: the metric without the family when the chart holds one
 * family, else the whole metric (`output.l1.voltage` in "Voltage · output" reads `l1.voltage`).
 */
export function seriesLabel(point: Point, group: ChartGroup): string {
  if (group.family && point.metric.startsWith(`${group.family}.`)) return point.metric.slice(group.family.length + 1);
  return point.metric;
}
