/**
 * The configuration model: what kinds of configuration items (CIs) exist, which attributes each kind has,
 * and which relationships may join them. Pure data and zod schemas, no database: the query layer stores
 * CIs, the API validates with these schemas, importers (NetBox, CSV, the demo site) produce them.
 *
 * Names follow how facility people name things (NetBox and the ISO/IEC 20000 CMDB vocabulary): a rack has a
 * height in U and a maximum weight; a UPS a rated kVA and kW; a breaker a rating, poles, phase and voltage.
 */
import { z } from 'zod';
import { CI_STATUSES, CI_TYPES, RELATION_KINDS, type CiStatus, type CiType, type RelationKind } from './vocabulary.ts';

export { CI_STATUSES, CI_TYPES, RELATION_KINDS, type CiStatus, type CiType, type RelationKind };

// ---------------------------------------------------------------- CI types

/** IT equipment: takes U in a rack, has a nameplate power and power supplies. */
export const IT_DEVICE_TYPES = ['server', 'switch', 'storage'] as const satisfies readonly CiType[];
/** Types that can be mounted at a U position in a rack. */
export const RACK_MOUNTABLE_TYPES: readonly CiType[] = [...IT_DEVICE_TYPES, 'pdu', 'sensor', 'ups', 'panel'];
/** Types that name places (the location tree). */
export const LOCATION_TYPES: readonly CiType[] = ['site', 'building', 'room', 'row', 'rack'];

/** Where a CI of each type may be located (its `parent`). A CI with no parent must be a site or a service. */
export const ALLOWED_PARENTS: Record<CiType, readonly CiType[]> = {
  site: [],
  building: ['site'],
  room: ['building', 'site'],
  row: ['room'],
  rack: ['row', 'room'],
  utility: ['site', 'building'],
  transformer: ['site', 'building', 'room'],
  generator: ['site', 'building', 'room'],
  ups: ['building', 'room', 'row', 'rack'],
  panel: ['building', 'room', 'row', 'rack'],
  breaker: ['building', 'room', 'row', 'rack'],
  feed: ['building', 'room', 'row', 'rack'],
  pdu: ['room', 'row', 'rack'],
  meter: ['site', 'building', 'room', 'row', 'rack'],
  crac: ['building', 'room', 'row'],
  chiller: ['site', 'building', 'room'],
  sensor: ['building', 'room', 'row', 'rack'],
  server: ['room', 'row', 'rack'],
  switch: ['room', 'row', 'rack'],
  storage: ['room', 'row', 'rack'],
  service: [],
  collector: ['site', 'building', 'room', 'row', 'rack'],
};

// ---------------------------------------------------------------- typed attributes per type

const kw = z.number().positive().max(1e6);
const airflow = z.enum(['front-to-rear', 'rear-to-front', 'side-to-rear', 'passive']);
const phase = z.enum(['single', 'three']);

/** Attributes each type carries beyond the common ones. Unknown keys are rejected (a typo is a question). */
export const CI_ATTRIBUTE_SCHEMAS: Record<CiType, z.ZodType<Record<string, unknown>>> = {
  site: z.strictObject({ address: z.string().max(500).optional(), timezone: z.string().max(64).optional(), latitude: z.number().min(-90).max(90).optional(), longitude: z.number().min(-180).max(180).optional() }),
  building: z.strictObject({ address: z.string().max(500).optional(), floors: z.number().int().min(1).max(200).optional() }),
  room: z.strictObject({
    floor: z.string().max(32).optional(),
    /** Floor grid in tiles (typically 600 mm): columns × rows. */
    gridColumns: z.number().int().min(1).max(1000).optional(),
    gridRows: z.number().int().min(1).max(1000).optional(),
    tileMm: z.number().int().min(100).max(2000).optional(),
    areaM2: z.number().positive().max(1e6).optional(),
  }),
  row: z.strictObject({ gridRow: z.number().int().min(0).max(1000).optional(), aisle: z.enum(['hot', 'cold', 'none']).optional() }),
  rack: z.strictObject({
    uHeight: z.number().int().min(1).max(60),
    maxWeightKg: z.number().positive().max(10_000).optional(),
    maxKw: kw.optional(),
    coolingKw: kw.optional(),
    airflow: airflow.optional(),
    /** Position on the room's floor grid (tile column and row). */
    gridX: z.number().int().min(0).max(1000).optional(),
    gridY: z.number().int().min(0).max(1000).optional(),
    /** U numbering: 1 at the bottom (EIA-310 convention) unless descending. */
    descendingUnits: z.boolean().optional(),
  }),
  utility: z.strictObject({ provider: z.string().max(200).optional(), contractKw: kw.optional(), voltageV: z.number().positive().max(1e6).optional(), accountNumber: z.string().max(100).optional() }),
  transformer: z.strictObject({ ratedKva: kw.optional(), primaryV: z.number().positive().max(1e6).optional(), secondaryV: z.number().positive().max(1e6).optional() }),
  generator: z.strictObject({ ratedKva: kw.optional(), ratedKw: kw.optional(), fuel: z.enum(['diesel', 'gas', 'other']).optional(), tankL: z.number().positive().max(1e7).optional() }),
  ups: z.strictObject({
    ratedKva: kw, ratedKw: kw,
    topology: z.enum(['online-double-conversion', 'line-interactive', 'offline', 'rotary']).optional(),
    batteryStrings: z.number().int().min(0).max(100).optional(),
    runtimeMin: z.number().positive().max(10_000).optional(),
  }),
  panel: z.strictObject({ voltageV: z.number().positive().max(100_000).optional(), ratedA: z.number().positive().max(100_000).optional(), phase: phase.optional(), ways: z.number().int().min(1).max(500).optional() }),
  breaker: z.strictObject({
    ratedA: z.number().positive().max(100_000), poles: z.number().int().min(1).max(4),
    phase: z.enum(['L1', 'L2', 'L3', 'L1L2L3', 'L1L2', 'L2L3', 'L3L1']).optional(),
    voltageV: z.number().positive().max(100_000).optional(),
    position: z.string().max(32).optional(),
  }),
  feed: z.strictObject({
    side: z.enum(['A', 'B']).optional(), voltageV: z.number().positive().max(100_000).optional(),
    ratedA: z.number().positive().max(100_000).optional(), phase: phase.optional(),
    /** Fraction of the rating allowed as continuous load (NEC: 0.8). */
    maxUtilization: z.number().positive().max(1).optional(),
  }),
  pdu: z.strictObject({ outletCount: z.number().int().min(0).max(200).optional(), ratedA: z.number().positive().max(10_000).optional(), voltageV: z.number().positive().max(100_000).optional(), floorStanding: z.boolean().optional() }),
  meter: z.strictObject({ measures: z.enum(['utility', 'generator', 'pv', 'water', 'it', 'cooling', 'other']).optional() }),
  crac: z.strictObject({ coolingKw: kw.optional(), kind: z.enum(['crac', 'crah', 'in-row']).optional(), gridX: z.number().int().min(0).max(1000).optional(), gridY: z.number().int().min(0).max(1000).optional() }),
  chiller: z.strictObject({ coolingKw: kw.optional() }),
  sensor: z.strictObject({ measures: z.array(z.enum(['temperature', 'humidity', 'airflow', 'leak', 'door', 'pressure'])).max(10).optional() }),
  server: z.strictObject({ role: z.string().max(100).optional(), os: z.string().max(100).optional(), hostname: z.string().max(253).optional() }),
  switch: z.strictObject({ role: z.string().max(100).optional(), hostname: z.string().max(253).optional() }),
  storage: z.strictObject({ role: z.string().max(100).optional(), capacityTb: z.number().positive().max(1e6).optional() }),
  service: z.strictObject({
    criticality: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    serviceOwner: z.string().max(200).optional(),
    slaTarget: z.string().max(100).optional(),
  }),
  collector: z.strictObject({ hostname: z.string().max(253).optional() }),
};

// ---------------------------------------------------------------- common attributes

/** A CI's stable key: what people and scripts use in URLs and imports, e.g. `r1-a01`, `ups-a1`. */
export const ciKey = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'letters, digits and . _ : @ - only, starting with a letter or digit');
const isoDate = z.iso.date();
const text = (max: number) => z.string().trim().min(1).max(max);

export const ciLink = z.strictObject({ title: text(200), url: z.url({ protocol: /^https?$/ }).max(2000) });

/** Fields of a CI as written by the API, CSV and importers (relations and history are separate). */
export const ciInput = z.strictObject({
  key: ciKey,
  type: z.enum(CI_TYPES),
  name: text(200),
  status: z.enum(CI_STATUSES).default('active'),
  description: z.string().max(4000).optional(),
  /** Model library key (see CiModel). Vendor/model of the CI come from it. */
  model: z.string().min(1).max(200).optional(),
  serial: text(100).optional(),
  assetTag: text(100).optional(),
  owner: text(200).optional(),
  installDate: isoDate.optional(),
  warrantyEnd: isoDate.optional(),
  /** Vendor end of support (EoS/EoL). */
  supportEnd: isoDate.optional(),
  maintenanceContract: text(200).optional(),
  maintenanceVendor: text(200).optional(),
  /** Key of the CI this one is located in (site → building → room → row → rack). */
  parent: ciKey.optional(),
  /** Lowest U occupied in the parent rack (1-based). */
  positionU: z.number().int().min(1).max(60).optional(),
  face: z.enum(['front', 'rear']).optional(),
  /** Names of the collector devices whose points belong to this CI (monitored-by), e.g. a UPS's SNMP and Modbus faces. */
  devices: z.array(z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'a collector device name')).max(20).default([]),
  attributes: z.record(z.string(), z.unknown()).default({}),
  tags: z.array(z.string().trim().min(1).max(64)).max(50).default([]),
  links: z.array(ciLink).max(50).default([]),
});
export type CiInput = z.input<typeof ciInput>;
export type CiFields = z.output<typeof ciInput>;

// ---------------------------------------------------------------- model library

export const ciModelInput = z.strictObject({
  /** Library key, e.g. `raritan/px3-5190r`. */
  key: z.string().min(1).max(200).regex(/^[a-z0-9][a-z0-9._/-]*$/, 'lower-case letters, digits and . _ / - only'),
  type: z.enum(CI_TYPES),
  vendor: text(200),
  model: text(200),
  uHeight: z.number().int().min(0).max(60).optional(),
  weightKg: z.number().positive().max(10_000).optional(),
  nameplateW: z.number().positive().max(1e7).optional(),
  psuCount: z.number().int().min(0).max(16).optional(),
  airflow: airflow.optional(),
  /** Type-specific nameplate values (e.g. a UPS model's ratedKva), same names as the CI attributes. */
  attributes: z.record(z.string(), z.unknown()).default({}),
});
export type CiModelInput = z.input<typeof ciModelInput>;
export type CiModelFields = z.output<typeof ciModelInput>;

// ---------------------------------------------------------------- relationships


const POWER_SOURCES: readonly CiType[] = ['utility', 'transformer', 'generator', 'ups', 'panel', 'breaker', 'feed', 'pdu'];
const POWERED: readonly CiType[] = ['transformer', 'ups', 'panel', 'breaker', 'feed', 'pdu', 'rack', 'meter', 'crac', 'chiller', 'sensor', 'server', 'switch', 'storage', 'collector'];

/**
 * Which types may be joined by each kind: `from` → `to`, read "from is powered by to". A pair outside these
 * lists is an impossible link (a rack cannot power a UPS, a service cannot be cooled).
 */
export const RELATION_RULES: Record<RelationKind, { from: readonly CiType[]; to: readonly CiType[]; meaning: string }> = {
  powered_by: { from: POWERED, to: POWER_SOURCES, meaning: 'draws power from' },
  cooled_by: { from: ['rack', 'room', 'row', 'ups', 'server', 'switch', 'storage', 'crac'], to: ['crac', 'chiller'], meaning: 'is cooled by' },
  depends_on: { from: ['service', 'server', 'switch', 'storage'], to: ['service', 'server', 'switch', 'storage', 'rack', 'collector'], meaning: 'needs' },
  part_of: { from: ['breaker', 'feed', 'pdu', 'sensor', 'server', 'switch', 'storage', 'meter'], to: ['panel', 'ups', 'pdu', 'rack', 'server', 'switch', 'storage', 'generator', 'crac'], meaning: 'is a component of' },
  monitored_by: { from: CI_TYPES, to: ['meter', 'sensor', 'collector'], meaning: 'is measured by' },
};

export const relationInput = z.strictObject({
  kind: z.enum(RELATION_KINDS),
  from: ciKey,
  to: ciKey,
  /** powered_by: which feed of a dual-corded CI (A/B). */
  feed: z.enum(['A', 'B']).optional(),
  /** powered_by: outlet number on a PDU, or breaker/way position on a panel. */
  port: z.string().trim().min(1).max(32).optional(),
  phase: z.enum(['L1', 'L2', 'L3', 'L1L2L3', 'L1L2', 'L2L3', 'L3L1']).optional(),
  note: z.string().max(500).optional(),
});
export type RelationInput = z.input<typeof relationInput>;
export type RelationFields = z.output<typeof relationInput>;

// ---------------------------------------------------------------- import plans

/**
 * What every importer produces and the one code path that writes it (NetBox JSON, CSV, the demo site):
 * models, then CIs (parents before children), then relations. Keys are the CI keys.
 */
export interface ImportPlan {
  /** Where the data came from, recorded in the history (`import:netbox`, `import:csv`, `demo`). */
  source: string;
  /**
   * Fields this source does not carry: an existing CI keeps its values for them (a NetBox export knows
   * nothing of Kiban's collector-device links; CSV carries no links). Unset = the plan is the whole truth.
   */
  keep?: Array<'devices' | 'links' | 'tags' | 'description' | 'attributes'>;
  /** Typed attributes are merged into the existing ones instead of replacing them (sources that know only some). */
  mergeAttributes?: boolean;
  models: CiModelInput[];
  cis: CiInput[];
  relations: RelationInput[];
}

/** A rejected input row: which file/collection, which row (1-based, as a person counts) and which field. */
export interface ImportRowError {
  collection: string;
  row: number;
  /** The row's own identifier when it has one (NetBox id, CSV key) — helps find it. */
  ref?: string;
  field: string;
  message: string;
}
