/**
 * NetBox import: turns a NetBox 4.x REST export (`/api/dcim/...` JSON, exactly as NetBox serializes it) into an
 * ImportPlan. Pure: no database, no HTTP — the caller fetches or uploads the JSON and writes the plan.
 *
 * Each collection may be a bare array or a paginated list response `{count, next, previous, results}`.
 *
 * Mapping (NetBox → Kiban):
 *   site          → `site`
 *   location      → `room`; a top-level location that has sub-locations → `building` (its sub-locations become
 *                   rooms of that building; deeper NetBox nesting is flattened, because Kiban's location tree is
 *                   site → building → room)
 *   rack          → `rack` in its location's room. Kiban keeps racks in rooms or rows, never straight in a site, so a
 *                   rack (or panel, or device) without a location goes into a synthesised room "<site> (unassigned)"
 *                   with key `<site>-unassigned` — listed in `summary.synthesisedRooms`.
 *   device_type   → model library entry `<manufacturer-slug>/<device-type-slug>`
 *   device        → pdu / ups / switch / storage / sensor / server CI (from its role, else its device type)
 *   power_panel   → `panel`; power_feed → `feed` (powered_by its panel; its rack powered_by it, as feed A or B)
 *   cable         → powered_by between a device's power port and a feed or a PDU/UPS outlet; data cables are
 *                   counted (`summary.dataCablesIgnored`) and not imported.
 *
 * NetBox custom fields named after a Kiban attribute of the target type, in snake_case or camelCase (`rated_kva`,
 * `ratedKw`, `outlet_count`…), fill that attribute; on a device type they become model nameplate values and the
 * default for its devices. Every object keeps a link back to its NetBox page.
 *
 * Problems are reported per row (1-based within its collection) and field, using NetBox's field names. A bad row is
 * skipped and so is every row that depends on it (a device in a rejected rack); good rows still import. Row 0 means
 * the collection itself (e.g. an export that holds only the first page of a paginated list).
 */
import { z } from 'zod';
import {
  ALLOWED_PARENTS, CI_ATTRIBUTE_SCHEMAS, RELATION_RULES, ciInput, ciLink, ciModelInput, relationInput,
  type CiInput, type CiModelInput, type CiStatus, type CiType, type ImportPlan, type ImportRowError, type RelationInput,
} from '../types.ts';

// ---------------------------------------------------------------- input

export const NETBOX_COLLECTIONS = [
  'sites', 'locations', 'racks', 'manufacturers', 'device_roles', 'device_types', 'devices',
  'power_panels', 'power_feeds', 'power_ports', 'power_outlets', 'cables',
] as const;
export type NetboxCollection = (typeof NETBOX_COLLECTIONS)[number];

/** A NetBox list response (`?limit=` pages). */
export interface NetboxPage<T = unknown> {
  count?: number;
  next?: string | null;
  previous?: string | null;
  results: T[];
}
export type NetboxList<T = unknown> = T[] | NetboxPage<T>;
/** What `importNetbox` reads: any subset of the DCIM collections, each as NetBox's API returns it. */
export type NetboxExport = Partial<Record<NetboxCollection, NetboxList>>;

export interface NetboxImportSummary {
  /** Cables between interfaces, console or front/rear ports: not power, so not imported. */
  dataCablesIgnored: number;
  /** Keys of the rooms made up for racks, panels and devices that NetBox had directly in a site or building. */
  synthesisedRooms: string[];
}

export interface NetboxImportResult {
  plan: ImportPlan;
  /** Rows rejected (and skipped). */
  errors: ImportRowError[];
  /** Rows imported with something adjusted or left out (e.g. a half-U position rounded down). */
  warnings: ImportRowError[];
  summary: NetboxImportSummary;
}

// ---------------------------------------------------------------- NetBox shapes (as serialized by NetBox 4.x)

const isMissing = (input: unknown) => input === undefined;
const id = z.number({ error: (iss) => (isMissing(iss.input) ? 'required' : 'expected a NetBox id (integer)') }).int().positive();
const text = z.string({ error: (iss) => (isMissing(iss.input) ? 'required' : 'expected text') }).trim().min(1, 'must not be empty');
const optText = z.string({ error: 'expected text' }).nullish();
/** NetBox serializes decimals as JSON numbers (COERCE_DECIMAL_TO_STRING off); older tools emit strings: take both. */
const decimal = z
  .union([z.number(), z.string()], { error: (iss) => (isMissing(iss.input) ? 'required' : 'expected a number') })
  .transform((value, ctx) => {
    const n = typeof value === 'number' ? value : /^[-+]?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (Number.isFinite(n)) return n;
    ctx.issues.push({ code: 'custom', message: `expected a number, got ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  });
/** NetBox ChoiceField: `{value, label}`, null when blank; a bare value is accepted too. Yields the value or null. */
const choice = z
  .union([
    z.string(), z.number(), z.null(),
    z.object({ value: z.union([z.string(), z.number(), z.null()]), label: z.string().nullish() }),
  ], { error: 'expected a NetBox choice {value, label}' })
  .transform((v) => {
    const raw = v !== null && typeof v === 'object' ? v.value : v;
    return raw === null || raw === '' ? null : String(raw);
  });
const nested = z.object({ id, name: z.string().nullish(), slug: z.string().nullish(), display: z.string().nullish() }, { error: (iss) => (isMissing(iss.input) ? 'required' : 'expected a nested object {id, …}') });
const tag = z.object({ name: text, slug: z.string().nullish() });

const common = {
  id,
  url: optText,
  display_url: optText,
  display: optText,
  description: optText,
  comments: optText,
  tags: z.array(tag).nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  tenant: nested.nullish(),
};

const siteRow = z.object({
  ...common, name: text, slug: text, status: choice.optional(), facility: optText,
  physical_address: optText, time_zone: optText, latitude: decimal.nullish(), longitude: decimal.nullish(),
});
const locationRow = z.object({ ...common, name: text, slug: text, site: nested, parent: nested.nullish(), status: choice.optional() });
const rackRow = z.object({
  ...common, name: text, site: nested, location: nested.nullish(), status: choice.optional(), role: nested.nullish(),
  serial: optText, asset_tag: optText, facility_id: optText,
  u_height: decimal, starting_unit: decimal.nullish(), desc_units: z.boolean().nullish(),
  weight: decimal.nullish(), max_weight: decimal.nullish(), weight_unit: choice.optional(), airflow: choice.optional(),
});
const manufacturerRow = z.object({ ...common, name: text, slug: text });
const deviceRoleRow = z.object({ ...common, name: text, slug: text });
const deviceTypeRow = z.object({
  ...common,
  manufacturer: nested.extend({ name: text, slug: text }),
  model: text, slug: text, part_number: optText,
  u_height: decimal.default(1), is_full_depth: z.boolean().nullish(), airflow: choice.optional(),
  weight: decimal.nullish(), weight_unit: choice.optional(),
});
const deviceRow = z.object({
  ...common,
  name: z.string({ error: 'expected text' }).nullish(),
  device_type: nested, role: nested, site: nested, location: nested.nullish(), rack: nested.nullish(),
  platform: nested.nullish(), position: decimal.nullish(), face: choice.optional(), status: choice.optional(),
  airflow: choice.optional(), serial: optText, asset_tag: optText, power_outlet_count: decimal.nullish(),
});
const powerPanelRow = z.object({ ...common, name: text, site: nested, location: nested.nullish() });
const powerFeedRow = z.object({
  ...common, name: text, power_panel: nested, rack: nested.nullish(), status: choice.optional(), type: choice.optional(),
  supply: choice.optional(), phase: choice.optional(), voltage: decimal.nullish(), amperage: decimal.nullish(),
  max_utilization: decimal.nullish(),
});
const componentRow = z.object({ ...common, device: nested, name: text });
const termination = z.object({
  object_type: text,
  object_id: id,
  object: z.object({ device: nested.nullish(), name: z.string().nullish() }).nullish(),
});
const cableRow = z.object({
  ...common, type: z.string().nullish(), status: choice.optional(), label: optText,
  a_terminations: z.array(termination).default([]), b_terminations: z.array(termination).default([]),
});

type SiteRow = z.output<typeof siteRow>;
type LocationRow = z.output<typeof locationRow>;
type RackRow = z.output<typeof rackRow>;
type DeviceTypeRow = z.output<typeof deviceTypeRow>;
type DeviceRow = z.output<typeof deviceRow>;
type PowerPanelRow = z.output<typeof powerPanelRow>;
type PowerFeedRow = z.output<typeof powerFeedRow>;
type ComponentRow = z.output<typeof componentRow>;
type CableRow = z.output<typeof cableRow>;
type Termination = z.output<typeof termination>;

const ROW_SCHEMAS: Record<NetboxCollection, z.ZodType> = {
  sites: siteRow, locations: locationRow, racks: rackRow, manufacturers: manufacturerRow, device_roles: deviceRoleRow,
  device_types: deviceTypeRow, devices: deviceRow, power_panels: powerPanelRow, power_feeds: powerFeedRow,
  power_ports: componentRow, power_outlets: componentRow, cables: cableRow,
};

/** How one object of each collection is named in messages. */
const SINGULAR: Record<NetboxCollection, string> = {
  sites: 'site', locations: 'location', racks: 'rack', manufacturers: 'manufacturer', device_roles: 'device role',
  device_types: 'device type', devices: 'device', power_panels: 'power panel', power_feeds: 'power feed',
  power_ports: 'power port', power_outlets: 'power outlet', cables: 'cable',
};

// ---------------------------------------------------------------- value mappings

/**
 * NetBox lifecycle → Kiban lifecycle. Kiban has fewer states; each NetBox status goes to the state a facility team
 * treats the same way:
 *   planned → planned; inventory → in_stock (on the shelf);
 *   staged → installed (racked and cabled, being set up, not yet in service);
 *   offline → installed (in place and taking space, but not in service / not drawing planned load);
 *   active → active; failed → maintenance (broken in place, awaiting repair);
 *   decommissioning → retired (on its way out: no longer counted as live load).
 */
const DEVICE_STATUS: Record<string, CiStatus> = {
  planned: 'planned', inventory: 'in_stock', staged: 'installed', offline: 'installed',
  active: 'active', failed: 'maintenance', decommissioning: 'retired',
};
/** Racks: reserved is space promised but not built (planned); available is a standing, usable rack (active). */
const RACK_STATUS: Record<string, CiStatus> = {
  reserved: 'planned', planned: 'planned', available: 'active', active: 'active', deprecated: 'retired',
};
/** Sites and locations: staging = being built out (installed, not yet in service). */
const SITE_STATUS: Record<string, CiStatus> = {
  planned: 'planned', staging: 'installed', active: 'active', decommissioning: 'retired', retired: 'retired',
};
/** Power feeds: offline = energisable but switched off (installed); failed = awaiting repair. */
const FEED_STATUS: Record<string, CiStatus> = { planned: 'planned', offline: 'installed', active: 'active', failed: 'maintenance' };

const KG_PER_UNIT: Record<string, number> = { kg: 1, g: 0.001, lb: 0.45359237, oz: 0.028349523125 };
const FEED_SIDE: Record<string, 'A' | 'B'> = { primary: 'A', redundant: 'B' };
const FEED_PHASE: Record<string, 'single' | 'three'> = { 'single-phase': 'single', 'three-phase': 'three' };
/** NetBox airflow values Kiban can represent; the others (left-to-right, mixed…) are reported as warnings. */
const AIRFLOWS = new Set(['front-to-rear', 'rear-to-front', 'side-to-rear', 'passive']);

/** Device (or device type) classification from words in its role or model; first match wins. */
const TYPE_PATTERNS: ReadonlyArray<readonly [RegExp, CiType]> = [
  [/\bpdu\b|power[- ]?distribution|\bpx\d|\bap8\d{3}|sentry|\brpdu\b/, 'pdu'],
  [/\bups\b|smart-?ups|\bsrt\d|symmetra|galaxy|\bups\d/, 'ups'],
  [/sensor|environment|\bemx\b|netbotz/, 'sensor'],
  [/switch|router|firewall|network|\bleaf\b|\bspine\b|\bcore\b|load-?balancer|nexus|catalyst|\bdcs-|\bqfx|\bn9k/, 'switch'],
  [/storage|\bsan\b|\bnas\b|\barray\b|powervault|powerstore|netapp|flasharray|\bjbod\b/, 'storage'],
  [/server|compute|hypervisor|\bhost\b|poweredge|proliant|thinksystem|\bucs\b/, 'server'],
];

function classify(...words: Array<string | null | undefined>): CiType | null {
  const haystack = words.filter(Boolean).join(' ').toLowerCase();
  for (const [pattern, type] of TYPE_PATTERNS) if (pattern.test(haystack)) return type;
  return null;
}

/**
 * A NetBox slug or name made into a Kiban key: lower case, accents and full-width forms folded (`Süd` → `sud`,
 * `ＲＯ１` → `ro1`), `-` for anything else. Empty when the name is in a script keys cannot carry (Japanese, …): the
 * caller then keys the object by its NetBox id and keeps the name as it is.
 */
export function netboxKeyPart(raw: string): string {
  const folded = raw.normalize('NFKC').normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (/[^\x00-\x7f]/.test(folded)) return '';
  return folded
    .toLowerCase()
    .replace(/[^a-z0-9._:@-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 100)
    .replace(/[-._:@]+$/, '');
}

/** Model library keys allow fewer characters than CI keys (no `:` or `@`). */
const modelKeyPart = (raw: string) => netboxKeyPart(raw).replace(/[:@]+/g, '-').replace(/^[^a-z0-9]+/, '');
const camelToSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function attributeNames(type: CiType): string[] {
  const schema = CI_ATTRIBUTE_SCHEMAS[type];
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function issueField(path: ReadonlyArray<PropertyKey>): string {
  let field = '';
  for (const part of path) field += typeof part === 'number' ? `[${part}]` : field ? `.${String(part)}` : String(part);
  return field;
}

// ---------------------------------------------------------------- the importer

interface RowRef { collection: NetboxCollection; row: number; ref: string }
interface Parsed<T> extends RowRef { value: T }

/** A CI under construction with, for each Kiban field, the NetBox field it came from (for error messages). */
interface Draft { ci: CiInput; origin: Record<string, string> }

type LocationKind = 'building' | 'room';

export function importNetbox(input: NetboxExport): NetboxImportResult {
  return new NetboxImport(input).run();
}

class NetboxImport {
  private readonly errors: ImportRowError[] = [];
  private readonly warnings: ImportRowError[] = [];
  private readonly models: CiModelInput[] = [];
  private readonly cis: CiInput[] = [];
  private readonly relations: RelationInput[] = [];
  private readonly relationSeen = new Set<string>();
  private dataCablesIgnored = 0;

  /** Every row's id as it appears in the export (even rejected rows), to tell "missing" from "rejected". */
  private readonly rowOfId = new Map<NetboxCollection, Map<number, number>>();
  private readonly parsed = new Map<NetboxCollection, Parsed<unknown>[]>();
  /** Accepted objects: collection → NetBox id → Kiban key. */
  private readonly accepted = new Map<NetboxCollection, Map<number, string>>();
  private readonly ciTypeOfKey = new Map<string, CiType>();
  private readonly parentOfKey = new Map<string, string | undefined>();
  private keys = new Map<string, string>();

  private readonly locationKind = new Map<number, LocationKind>();
  private readonly topLocation = new Map<number, number>();
  private readonly synthesised = new Map<string, { key: string; parent: string; name: string }>();
  private readonly rackInfo = new Map<number, { uHeight: number; startingUnit: number }>();
  private readonly modelOfDeviceType = new Map<number, { key: string; type: CiType; uHeight: number; row: DeviceTypeRow }>();
  private readonly feedSide = new Map<number, 'A' | 'B' | undefined>();

  constructor(private readonly input: NetboxExport) {}

  run(): NetboxImportResult {
    for (const collection of NETBOX_COLLECTIONS) this.parseCollection(collection);
    this.classifyLocations();
    this.keys = this.assignKeys();

    // Manufacturers and roles become no CIs of their own; a valid row just makes references to it good.
    for (const collection of ['manufacturers', 'device_roles'] as const) {
      for (const { value } of this.rows<{ id: number; slug: string }>(collection)) this.accepted.get(collection)!.set(value.id, value.slug);
    }
    this.importSites();
    this.importLocations();
    this.importDeviceTypes();
    this.importRacks();
    this.importPowerPanels();
    this.importDevices();
    this.importPowerFeeds();
    this.importCables();

    const order = (e: ImportRowError) => NETBOX_COLLECTIONS.indexOf(e.collection as NetboxCollection);
    const byRow = (a: ImportRowError, b: ImportRowError) => order(a) - order(b) || a.row - b.row;
    return {
      plan: { source: 'import:netbox', models: this.models, cis: parentsFirst(this.cis), relations: this.relations },
      errors: this.errors.sort(byRow),
      warnings: this.warnings.sort(byRow),
      summary: { dataCablesIgnored: this.dataCablesIgnored, synthesisedRooms: [...this.synthesised.values()].map((s) => s.key) },
    };
  }

  // ------------------------------------------------------------ parsing

  private parseCollection(collection: NetboxCollection): void {
    const raw = this.input[collection];
    const ids = new Map<number, number>();
    this.rowOfId.set(collection, ids);
    this.accepted.set(collection, new Map());
    const rows: Parsed<unknown>[] = [];
    this.parsed.set(collection, rows);
    if (raw === undefined || raw === null) return;

    let items: unknown[];
    if (Array.isArray(raw)) items = raw;
    else if (typeof raw === 'object' && Array.isArray((raw as NetboxPage).results)) {
      const page = raw as NetboxPage;
      items = page.results;
      if (page.next) {
        this.warnings.push({
          collection, row: 0, field: 'next',
          message: `only ${items.length} of ${page.count ?? '?'} ${collection} are in the export (fetch every page, or use ?limit=0)`,
        });
      }
    } else {
      this.errors.push({ collection, row: 0, field: collection, message: 'expected a list or a NetBox list response {count, next, previous, results}' });
      return;
    }

    const schema = ROW_SCHEMAS[collection];
    items.forEach((item, index) => {
      const row = index + 1;
      const rawId = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
      const rawName = item && typeof item === 'object' ? (item as { name?: unknown; display?: unknown }) : {};
      const ref = typeof rawId === 'number' ? String(rawId) : typeof rawName.name === 'string' ? rawName.name : undefined;
      if (typeof rawId === 'number' && ids.has(rawId)) {
        this.reject({ collection, row, ref: ref ?? '' }, 'id', `duplicate id ${rawId} (also row ${ids.get(rawId)})`);
        return;
      }
      if (typeof rawId === 'number') ids.set(rawId, row);
      const result = schema.safeParse(item);
      if (!result.success) {
        for (const issue of result.error.issues) {
          this.errors.push({ collection, row, ref, field: issueField(issue.path) || collection, message: issue.message });
        }
        return;
      }
      rows.push({ collection, row, ref: ref ?? '', value: result.data });
    });
  }

  private rows<T>(collection: NetboxCollection): Parsed<T>[] {
    return (this.parsed.get(collection) ?? []) as Parsed<T>[];
  }

  // ------------------------------------------------------------ keys

  /** Top-level locations that have sub-locations become buildings; every other location is a room. */
  private classifyLocations(): void {
    const locations = this.rows<LocationRow>('locations');
    const byId = new Map(locations.map((l) => [l.value.id, l.value]));
    const hasChildren = new Set(locations.filter((l) => l.value.parent).map((l) => l.value.parent!.id));
    for (const { value } of locations) {
      let top = value;
      const seen = new Set<number>();
      while (top.parent && byId.has(top.parent.id) && !seen.has(top.id)) {
        seen.add(top.id);
        top = byId.get(top.parent.id)!;
      }
      this.topLocation.set(value.id, top.id);
      this.locationKind.set(value.id, !value.parent && hasChildren.has(value.id) ? 'building' : 'room');
    }
  }

  /**
   * Stable keys from NetBox names. Each object offers keys from plain to more qualified (`r01`, `tyo1-r01`, …) and
   * takes the first one no other object wants at the same step, so two racks called R01 in two sites both get their
   * site's slug in front — whichever comes first in the file. The last resort is `<kind>-<netbox id>`.
   */
  private assignKeys(): Map<string, string> {
    const siteSlug = new Map(this.rows<SiteRow>('sites').map((s) => [s.value.id, s.value.slug]));
    const site = (ref: { id: number; slug?: string | null }) => siteSlug.get(ref.id) ?? ref.slug ?? `site-${ref.id}`;
    const panelName = new Map(this.rows<PowerPanelRow>('power_panels').map((p) => [p.value.id, p.value.name]));
    const deviceTypeSlug = new Map(this.rows<DeviceTypeRow>('device_types').map((d) => [d.value.id, d.value.slug]));
    const locationSlug = new Map(this.rows<LocationRow>('locations').map((l) => [l.value.id, l.value.slug]));
    const candidates: Array<{ id: string; tiers: string[]; fallback: string }> = [];

    for (const { value: s } of this.rows<SiteRow>('sites')) {
      candidates.push({ id: `sites:${s.id}`, tiers: [s.slug], fallback: `site-${s.id}` });
      candidates.push({ id: `unassigned:site:${s.id}`, tiers: [`${s.slug}-unassigned`], fallback: `site-${s.id}-unassigned` });
    }
    for (const { value: l } of this.rows<LocationRow>('locations')) {
      candidates.push({ id: `locations:${l.id}`, tiers: [l.slug, `${site(l.site)}-${l.slug}`], fallback: `location-${l.id}` });
      if (this.locationKind.get(l.id) === 'building') {
        candidates.push({ id: `unassigned:location:${l.id}`, tiers: [`${l.slug}-unassigned`, `${site(l.site)}-${l.slug}-unassigned`], fallback: `location-${l.id}-unassigned` });
      }
    }
    for (const { value: r } of this.rows<RackRow>('racks')) {
      const location = r.location ? locationSlug.get(r.location.id) ?? r.location.slug ?? `location-${r.location.id}` : 'unassigned';
      candidates.push({ id: `racks:${r.id}`, tiers: [r.name, `${site(r.site)}-${r.name}`, `${site(r.site)}-${location}-${r.name}`], fallback: `rack-${r.id}` });
    }
    for (const { value: p } of this.rows<PowerPanelRow>('power_panels')) {
      candidates.push({ id: `power_panels:${p.id}`, tiers: [p.name, `${site(p.site)}-${p.name}`], fallback: `panel-${p.id}` });
    }
    for (const { value: f } of this.rows<PowerFeedRow>('power_feeds')) {
      const panel = panelName.get(f.power_panel.id) ?? f.power_panel.name ?? `panel-${f.power_panel.id}`;
      candidates.push({ id: `power_feeds:${f.id}`, tiers: [f.name, `${panel}-${f.name}`], fallback: `feed-${f.id}` });
    }
    for (const { value: d } of this.rows<DeviceRow>('devices')) {
      const unnamed = `${deviceTypeSlug.get(d.device_type.id) ?? d.device_type.slug ?? 'device'}-${d.id}`;
      const tiers = d.name?.trim() ? [d.name, `${site(d.site)}-${d.name}`] : [unnamed];
      candidates.push({ id: `devices:${d.id}`, tiers, fallback: `device-${d.id}` });
    }

    const keys = new Map<string, string>();
    const taken = new Set<string>();
    let pending = candidates.map((c) => ({ ...c, tiers: [...new Set(c.tiers.map(netboxKeyPart).filter(Boolean))] }));
    const steps = Math.max(0, ...pending.map((c) => c.tiers.length));
    for (let step = 0; step < steps; step++) {
      const wanted = new Map<string, number>();
      for (const c of pending) if (c.tiers[step]) wanted.set(c.tiers[step], (wanted.get(c.tiers[step]) ?? 0) + 1);
      pending = pending.filter((c) => {
        const key = c.tiers[step];
        if (!key || wanted.get(key) !== 1 || taken.has(key)) return true;
        keys.set(c.id, key);
        taken.add(key);
        return false;
      });
    }
    for (const c of pending) {
      let key = c.fallback;
      for (let n = 2; taken.has(key); n++) key = `${c.fallback}-${n}`;
      keys.set(c.id, key);
      taken.add(key);
    }
    return keys;
  }

  // ------------------------------------------------------------ helpers

  private reject(at: RowRef, field: string, message: string): void {
    this.errors.push({ collection: at.collection, row: at.row, ref: at.ref || undefined, field, message });
  }

  private warn(at: RowRef, field: string, message: string): void {
    this.warnings.push({ collection: at.collection, row: at.row, ref: at.ref || undefined, field, message });
  }

  /** Resolves a reference to another collection; on failure records why against `field` and returns undefined. */
  private lookup(field: string, collection: NetboxCollection, refId: number, problems: string[][]): string | undefined {
    const key = this.accepted.get(collection)!.get(refId);
    if (key !== undefined) return key;
    const row = this.rowOfId.get(collection)!.get(refId);
    problems.push([field, row !== undefined
      ? `${SINGULAR[collection]} ${refId} was rejected (${collection} row ${row})`
      : `${SINGULAR[collection]} ${refId} is not in the export`]);
    return undefined;
  }

  private flush(at: RowRef, problems: string[][]): boolean {
    for (const [field, message] of problems) this.reject(at, field, message);
    return problems.length === 0;
  }

  private mapStatus(value: string | null | undefined, table: Record<string, CiStatus>, problems: string[][]): CiStatus | undefined {
    if (value === null || value === undefined) return undefined;
    const status = table[value];
    if (!status) problems.push(['status', `unknown status "${value}" (expected ${Object.keys(table).join(', ')})`]);
    return status;
  }

  private weightKg(weight: number | null | undefined, unit: string | null | undefined, unitField: string, problems: string[][]): number | undefined {
    if (weight === null || weight === undefined) return undefined;
    if (!unit) {
      problems.push([unitField, 'a weight needs a unit (kg, g, lb, oz)']);
      return undefined;
    }
    const factor = KG_PER_UNIT[unit];
    if (factor === undefined) {
      problems.push([unitField, `unknown weight unit "${unit}" (expected kg, g, lb, oz)`]);
      return undefined;
    }
    return round(weight * factor);
  }

  private airflow(at: RowRef, value: string | null | undefined): 'front-to-rear' | 'rear-to-front' | 'side-to-rear' | 'passive' | undefined {
    if (!value) return undefined;
    if (AIRFLOWS.has(value)) return value as 'front-to-rear';
    this.warn(at, 'airflow', `airflow "${value}" has no Kiban equivalent; left empty`);
    return undefined;
  }

  /** Common CI fields every NetBox object carries. */
  private baseCi(row: { description?: string | null; comments?: string | null; tags?: Array<{ name: string }> | null; tenant?: { name?: string | null } | null; display_url?: string | null; url?: string | null }): Partial<CiInput> {
    const description = [row.description?.trim(), row.comments?.trim()].filter(Boolean).join('\n\n');
    const url = row.display_url ?? row.url;
    const link = url ? ciLink.safeParse({ title: 'NetBox', url }) : undefined;
    return {
      ...(description ? { description } : {}),
      ...(row.tenant?.name ? { owner: row.tenant.name } : {}),
      tags: (row.tags ?? []).map((t) => t.name),
      links: link?.success ? [link.data] : [],
    };
  }

  /** Attributes from custom fields named after the type's attributes (snake_case or camelCase). */
  private customAttributes(type: CiType, customFields: Record<string, unknown> | null | undefined, origin: Record<string, string>, prefix = 'custom_fields'): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!customFields) return out;
    for (const name of attributeNames(type)) {
      for (const field of [camelToSnake(name), name]) {
        const value = customFields[field];
        if (value !== null && value !== undefined && value !== '') {
          out[name] = value;
          origin[`attributes.${name}`] = `${prefix}.${field}`;
          break;
        }
      }
    }
    return out;
  }

  /** Validates a CI with ciInput and its type's attribute schema; adds it to the plan when both pass. */
  private addCi(at: RowRef, collection: NetboxCollection | null, netboxId: number | null, draft: Draft): boolean {
    const origin = (path: ReadonlyArray<PropertyKey>) => {
      const kibanField = issueField(path);
      const top = String(path[0] ?? '');
      // An attribute NetBox has no field for (a UPS's rating) can only come from a custom field: name that one.
      const custom = top === 'attributes' && path.length > 1 ? `custom_fields.${camelToSnake(String(path[1]))}` : undefined;
      return draft.origin[kibanField] ?? custom ?? draft.origin[top] ?? kibanField;
    };
    const parsed = ciInput.safeParse(draft.ci);
    let ok = parsed.success;
    if (!parsed.success) for (const issue of parsed.error.issues) this.reject(at, origin(issue.path), issue.message);
    const attributes = CI_ATTRIBUTE_SCHEMAS[draft.ci.type].safeParse(draft.ci.attributes ?? {});
    if (!attributes.success) {
      ok = false;
      for (const issue of attributes.error.issues) this.reject(at, origin(['attributes', ...issue.path]), issue.message);
    }
    const parentType = draft.ci.parent ? this.ciTypeOfKey.get(draft.ci.parent) : undefined;
    if (ok && parentType && !ALLOWED_PARENTS[draft.ci.type].includes(parentType)) {
      ok = false;
      this.reject(at, draft.origin.parent ?? 'parent', `a ${draft.ci.type} cannot be located in a ${parentType}`);
    }
    if (!ok || !parsed.success) return false;
    this.cis.push(parsed.data);
    this.ciTypeOfKey.set(parsed.data.key, parsed.data.type);
    this.parentOfKey.set(parsed.data.key, parsed.data.parent);
    if (collection && netboxId !== null) this.accepted.get(collection)!.set(netboxId, parsed.data.key);
    return true;
  }

  private addRelation(at: RowRef, field: string, relation: RelationInput): void {
    const parsed = relationInput.safeParse(relation);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) this.reject(at, field, `${issue.path.join('.')}: ${issue.message}`);
      return;
    }
    const rule = RELATION_RULES[relation.kind];
    const fromType = this.ciTypeOfKey.get(relation.from);
    const toType = this.ciTypeOfKey.get(relation.to);
    if (!fromType || !toType || !rule.from.includes(fromType) || !rule.to.includes(toType)) {
      this.reject(at, field, `a ${fromType ?? 'missing CI'} cannot be ${relation.kind} a ${toType ?? 'missing CI'} (${relation.from} → ${relation.to})`);
      return;
    }
    const id = [relation.kind, relation.from, relation.to, relation.port ?? '', relation.feed ?? ''].join('\u0000');
    if (this.relationSeen.has(id)) return;
    this.relationSeen.add(id);
    this.relations.push(parsed.data);
  }

  /** The room that holds things NetBox placed in `locationId` (or directly in the site when null). */
  private placement(siteId: number, siteKey: string, locationId: number | null): string {
    if (locationId !== null && this.locationKind.get(locationId) === 'room') return this.accepted.get('locations')!.get(locationId)!;
    const container = locationId !== null
      ? { id: `unassigned:location:${locationId}`, parent: this.accepted.get('locations')!.get(locationId)!, name: this.rows<LocationRow>('locations').find((l) => l.value.id === locationId)!.value.name }
      : { id: `unassigned:site:${siteId}`, parent: siteKey, name: this.rows<SiteRow>('sites').find((s) => s.value.id === siteId)!.value.name };
    const existing = this.synthesised.get(container.id);
    if (existing) return existing.key;
    const key = this.keys.get(container.id)!;
    const room = { key, parent: container.parent, name: `${container.name} (unassigned)` };
    this.synthesised.set(container.id, room);
    this.cis.push(ciInput.parse({
      key, type: 'room', name: room.name, parent: room.parent,
      description: 'Made by the NetBox import: NetBox held racks, panels or devices here without a location, and Kiban keeps them in a room.',
    }));
    this.ciTypeOfKey.set(key, 'room');
    return key;
  }

  // ------------------------------------------------------------ collections

  private importSites(): void {
    for (const at of this.rows<SiteRow>('sites')) {
      const s = at.value;
      const problems: string[][] = [];
      const status = this.mapStatus(s.status, SITE_STATUS, problems);
      if (!this.flush(at, problems)) continue;
      const origin: Record<string, string> = { 'attributes.address': 'physical_address', 'attributes.timezone': 'time_zone', 'attributes.latitude': 'latitude', 'attributes.longitude': 'longitude' };
      const attributes = {
        ...this.customAttributes('site', s.custom_fields, origin),
        ...(s.physical_address?.trim() ? { address: s.physical_address.trim() } : {}),
        ...(s.time_zone ? { timezone: s.time_zone } : {}),
        ...(s.latitude != null ? { latitude: s.latitude } : {}),
        ...(s.longitude != null ? { longitude: s.longitude } : {}),
      };
      this.addCi(at, 'sites', s.id, {
        ci: { ...this.baseCi(s), key: this.keys.get(`sites:${s.id}`)!, type: 'site', name: s.name, status, attributes },
        origin: { ...origin, key: 'slug' },
      });
    }
  }

  private importLocations(): void {
    const rows = this.rows<LocationRow>('locations');
    const byId = new Map(rows.map((r) => [r.value.id, r]));
    const state = new Map<number, 'visiting' | 'done'>();
    const visit = (at: Parsed<LocationRow>): void => {
      const l = at.value;
      if (state.get(l.id) === 'done') return;
      const problems: string[][] = [];
      if (state.get(l.id) === 'visiting') {
        state.set(l.id, 'done');
        this.reject(at, 'parent', 'locations form a cycle');
        return;
      }
      state.set(l.id, 'visiting');
      if (l.parent && byId.has(l.parent.id)) visit(byId.get(l.parent.id)!);
      state.set(l.id, 'done');
      if (this.accepted.get('locations')!.has(l.id)) return;

      const siteKey = this.lookup('site', 'sites', l.site.id, problems);
      let parent = siteKey;
      if (l.parent) {
        const top = this.topLocation.get(l.id)!;
        // Rooms hang from their top-level building (deeper NetBox nesting is flattened).
        const parentKey = this.lookup('parent', 'locations', l.parent.id, problems);
        if (parentKey && top !== l.id) parent = this.accepted.get('locations')!.get(top) ?? parentKey;
      }
      const status = this.mapStatus(l.status, SITE_STATUS, problems);
      if (!this.flush(at, problems)) return;
      const type = this.locationKind.get(l.id)!;
      const origin: Record<string, string> = { key: 'slug', parent: l.parent ? 'parent' : 'site' };
      this.addCi(at, 'locations', l.id, {
        ci: { ...this.baseCi(l), key: this.keys.get(`locations:${l.id}`)!, type, name: l.name, status, parent, attributes: this.customAttributes(type, l.custom_fields, origin) },
        origin,
      });
    };
    for (const row of rows) visit(row);
  }

  private importDeviceTypes(): void {
    // A device type's Kiban type: what its devices' roles say (most common), else what its own name says.
    const rolesByType = new Map<number, Map<CiType, number>>();
    for (const { value: d } of this.rows<DeviceRow>('devices')) {
      const type = classify(d.role.slug, d.role.name);
      if (!type) continue;
      const counts = rolesByType.get(d.device_type.id) ?? new Map<CiType, number>();
      counts.set(type, (counts.get(type) ?? 0) + 1);
      rolesByType.set(d.device_type.id, counts);
    }
    const manufacturers = this.input.manufacturers !== undefined;
    for (const at of this.rows<DeviceTypeRow>('device_types')) {
      const dt = at.value;
      const problems: string[][] = [];
      if (manufacturers) this.lookup('manufacturer', 'manufacturers', dt.manufacturer.id, problems);
      const weightKg = this.weightKg(dt.weight, dt.weight_unit, 'weight_unit', problems);
      if (!this.flush(at, problems)) continue;
      const counts = [...(rolesByType.get(dt.id) ?? new Map<CiType, number>())].sort((a, b) => b[1] - a[1]);
      const type = counts[0]?.[0] ?? classify(dt.slug, dt.model, dt.part_number, dt.manufacturer.slug) ?? 'server';
      const uHeight = Math.ceil(dt.u_height);
      if (uHeight !== dt.u_height) this.warn(at, 'u_height', `${dt.u_height}U rounded up to ${uHeight}U`);
      const origin: Record<string, string> = {};
      const attributes = this.customAttributes(type, dt.custom_fields, origin);
      const airflow = this.airflow(at, dt.airflow);
      const model: CiModelInput = {
        key: `${modelKeyPart(dt.manufacturer.slug) || `manufacturer-${dt.manufacturer.id}`}/${modelKeyPart(dt.slug) || `device-type-${dt.id}`}`,
        type, vendor: dt.manufacturer.name, model: dt.model, uHeight,
        ...(weightKg !== undefined ? { weightKg } : {}),
        ...(airflow ? { airflow } : {}),
        attributes,
      };
      const parsed = ciModelInput.safeParse(model);
      const fieldOf: Record<string, string> = { key: 'slug', vendor: 'manufacturer.name', model: 'model', uHeight: 'u_height', weightKg: 'weight', airflow: 'airflow' };
      let ok = parsed.success;
      if (!parsed.success) for (const issue of parsed.error.issues) this.reject(at, fieldOf[String(issue.path[0])] ?? issueField(issue.path), issue.message);
      const nameplate = CI_ATTRIBUTE_SCHEMAS[type];
      if (nameplate instanceof z.ZodObject) {
        const check = nameplate.partial().safeParse(attributes);
        if (!check.success) {
          ok = false;
          for (const issue of check.error.issues) this.reject(at, origin[`attributes.${String(issue.path[0])}`] ?? `custom_fields.${String(issue.path[0])}`, issue.message);
        }
      }
      if (!ok || !parsed.success) continue;
      this.models.push(parsed.data);
      this.modelOfDeviceType.set(dt.id, { key: parsed.data.key, type, uHeight, row: dt });
      this.accepted.get('device_types')!.set(dt.id, parsed.data.key);
    }
  }

  private importRacks(): void {
    for (const at of this.rows<RackRow>('racks')) {
      const r = at.value;
      const problems: string[][] = [];
      const siteKey = this.lookup('site', 'sites', r.site.id, problems);
      if (r.location) this.lookup('location', 'locations', r.location.id, problems);
      const status = this.mapStatus(r.status, RACK_STATUS, problems);
      const maxWeightKg = this.weightKg(r.max_weight, r.weight_unit, 'weight_unit', problems);
      if (!this.flush(at, problems)) continue;
      const parent = this.placement(r.site.id, siteKey!, r.location?.id ?? null);
      const origin: Record<string, string> = {
        parent: r.location ? 'location' : 'site', 'attributes.uHeight': 'u_height', 'attributes.maxWeightKg': 'max_weight',
        'attributes.airflow': 'airflow', 'attributes.descendingUnits': 'desc_units', key: 'name',
      };
      const airflow = r.airflow === 'front-to-rear' || r.airflow === 'rear-to-front' ? r.airflow : this.airflow(at, r.airflow);
      const attributes = {
        ...this.customAttributes('rack', r.custom_fields, origin),
        uHeight: r.u_height,
        ...(maxWeightKg !== undefined ? { maxWeightKg } : {}),
        ...(airflow ? { airflow } : {}),
        ...(r.desc_units ? { descendingUnits: true } : {}),
      };
      const ok = this.addCi(at, 'racks', r.id, {
        ci: {
          ...this.baseCi(r), key: this.keys.get(`racks:${r.id}`)!, type: 'rack', name: r.name, status, parent,
          ...(r.serial?.trim() ? { serial: r.serial.trim() } : {}), ...(r.asset_tag?.trim() ? { assetTag: r.asset_tag.trim() } : {}),
          attributes,
        },
        origin,
      });
      if (ok) this.rackInfo.set(r.id, { uHeight: r.u_height, startingUnit: r.starting_unit ?? 1 });
    }
  }

  private importPowerPanels(): void {
    for (const at of this.rows<PowerPanelRow>('power_panels')) {
      const p = at.value;
      const problems: string[][] = [];
      const siteKey = this.lookup('site', 'sites', p.site.id, problems);
      if (p.location) this.lookup('location', 'locations', p.location.id, problems);
      if (!this.flush(at, problems)) continue;
      const origin: Record<string, string> = { key: 'name', parent: p.location ? 'location' : 'site' };
      this.addCi(at, 'power_panels', p.id, {
        ci: {
          ...this.baseCi(p), key: this.keys.get(`power_panels:${p.id}`)!, type: 'panel', name: p.name,
          parent: this.placement(p.site.id, siteKey!, p.location?.id ?? null),
          attributes: this.customAttributes('panel', p.custom_fields, origin),
        },
        origin,
      });
    }
  }

  private importDevices(): void {
    const outletsByDevice = new Map<number, number>();
    for (const { value } of this.rows<ComponentRow>('power_outlets')) outletsByDevice.set(value.device.id, (outletsByDevice.get(value.device.id) ?? 0) + 1);
    const roles = this.input.device_roles !== undefined;

    for (const at of this.rows<DeviceRow>('devices')) {
      const d = at.value;
      const problems: string[][] = [];
      const siteKey = this.lookup('site', 'sites', d.site.id, problems);
      if (d.location) this.lookup('location', 'locations', d.location.id, problems);
      const rackKey = d.rack ? this.lookup('rack', 'racks', d.rack.id, problems) : undefined;
      const modelKey = this.lookup('device_type', 'device_types', d.device_type.id, problems);
      if (roles) this.lookup('role', 'device_roles', d.role.id, problems);
      const status = this.mapStatus(d.status, DEVICE_STATUS, problems);
      const model = modelKey ? this.modelOfDeviceType.get(d.device_type.id)! : undefined;

      let positionU: number | undefined;
      if (d.position != null) {
        const rack = d.rack ? this.rackInfo.get(d.rack.id) : undefined;
        if (!d.rack) problems.push(['position', 'a position needs a rack']);
        else if (rack && model) {
          positionU = Math.floor(d.position) - rack.startingUnit + 1;
          const top = positionU + Math.max(model.uHeight, 1) - 1;
          if (positionU < 1) problems.push(['position', `U${d.position} is below the rack's first unit (U${rack.startingUnit})`]);
          else if (top > rack.uHeight) {
            problems.push(['position', `U${d.position} with a ${model.uHeight}U device reaches U${top + rack.startingUnit - 1}, beyond the ${rack.uHeight}U rack`]);
          } else if (positionU !== d.position - rack.startingUnit + 1) {
            this.warn(at, 'position', `half-U position ${d.position} recorded as U${Math.floor(d.position)}`);
          }
        }
      }
      const face = d.face === 'front' || d.face === 'rear' ? d.face : undefined;
      if (d.face && !face) problems.push(['face', `unknown face "${d.face}" (expected front, rear)`]);
      if (!this.flush(at, problems) || !model) continue;

      const type = classify(d.role.slug, d.role.name) ?? model.type;
      const origin: Record<string, string> = {
        key: 'name', name: 'name', parent: d.rack ? 'rack' : d.location ? 'location' : 'site', positionU: 'position',
        assetTag: 'asset_tag', model: 'device_type',
      };
      const attributes: Record<string, unknown> = {
        ...this.customAttributes(type, model.row.custom_fields, origin, 'device_type.custom_fields'),
        ...this.customAttributes(type, d.custom_fields, origin),
      };
      const names = attributeNames(type);
      const roleName = d.role.name ?? d.role.slug;
      if (names.includes('role') && roleName && attributes.role === undefined) {
        attributes.role = roleName;
        origin['attributes.role'] = 'role';
      }
      if (names.includes('os') && d.platform && attributes.os === undefined) {
        attributes.os = d.platform.name ?? d.platform.slug;
        origin['attributes.os'] = 'platform';
      }
      if (type === 'pdu' && attributes.outletCount === undefined) {
        const outlets = d.power_outlet_count ?? outletsByDevice.get(d.id);
        if (outlets) {
          attributes.outletCount = outlets;
          origin['attributes.outletCount'] = 'power_outlet_count';
        }
      }
      const parent = rackKey ?? this.placement(d.site.id, siteKey!, d.location?.id ?? null);
      const serial = d.serial?.trim();
      const assetTag = d.asset_tag?.trim();
      this.addCi(at, 'devices', d.id, {
        ci: {
          ...this.baseCi(d), key: this.keys.get(`devices:${d.id}`)!, type,
          name: d.name?.trim() || d.display || `${model.row.model} (${d.id})`,
          status, parent, model: model.key,
          ...(positionU !== undefined ? { positionU } : {}), ...(face ? { face } : {}),
          ...(serial ? { serial } : {}), ...(assetTag ? { assetTag } : {}),
          attributes,
        },
        origin,
      });
    }
  }

  private importPowerFeeds(): void {
    for (const at of this.rows<PowerFeedRow>('power_feeds')) {
      const f = at.value;
      const problems: string[][] = [];
      const panelKey = this.lookup('power_panel', 'power_panels', f.power_panel.id, problems);
      const rackKey = f.rack ? this.lookup('rack', 'racks', f.rack.id, problems) : undefined;
      const status = this.mapStatus(f.status, FEED_STATUS, problems);
      const side = f.type ? FEED_SIDE[f.type] : undefined;
      if (f.type && !side) problems.push(['type', `unknown feed type "${f.type}" (expected primary, redundant)`]);
      const phase = f.phase ? FEED_PHASE[f.phase] : undefined;
      if (f.phase && !phase) problems.push(['phase', `unknown phase "${f.phase}" (expected single-phase, three-phase)`]);
      if (!this.flush(at, problems)) continue;

      // The feed lands at its rack; a feed with no rack stays beside its panel.
      const parent = rackKey ?? this.parentOfKey.get(panelKey!);
      const origin: Record<string, string> = {
        key: 'name', parent: rackKey ? 'rack' : 'power_panel', 'attributes.side': 'type', 'attributes.voltageV': 'voltage',
        'attributes.ratedA': 'amperage', 'attributes.phase': 'phase', 'attributes.maxUtilization': 'max_utilization',
      };
      if (f.voltage != null && f.voltage < 0) this.warn(at, 'voltage', `DC voltage ${f.voltage} V recorded as ${-f.voltage} V`);
      const attributes = {
        ...this.customAttributes('feed', f.custom_fields, origin),
        ...(side ? { side } : {}),
        ...(f.voltage != null ? { voltageV: Math.abs(f.voltage) } : {}),
        ...(f.amperage != null ? { ratedA: f.amperage } : {}),
        ...(phase ? { phase } : {}),
        // NetBox keeps max utilization in percent (80); Kiban as a fraction (0.8).
        ...(f.max_utilization != null ? { maxUtilization: round(f.max_utilization / 100, 4) } : {}),
      };
      const key = this.keys.get(`power_feeds:${f.id}`)!;
      if (!this.addCi(at, 'power_feeds', f.id, {
        ci: { ...this.baseCi(f), key, type: 'feed', name: f.name, status, parent, attributes },
        origin,
      })) continue;
      this.feedSide.set(f.id, side);
      this.addRelation(at, 'power_panel', { kind: 'powered_by', from: key, to: panelKey! });
      if (rackKey) this.addRelation(at, 'rack', { kind: 'powered_by', from: rackKey, to: key, ...(side ? { feed: side } : {}) });
    }
  }

  private importCables(): void {
    const ports = new Map(this.rows<ComponentRow>('power_ports').map((p) => [p.value.id, p.value]));
    const outlets = new Map(this.rows<ComponentRow>('power_outlets').map((p) => [p.value.id, p.value]));
    const POWER = new Set(['dcim.powerport', 'dcim.powerfeed', 'dcim.poweroutlet']);
    type End = { t: Termination; field: string };
    interface Link { at: Parsed<CableRow>; field: string; from: string; to: string; feedId?: number; port?: string }

    // Pass 1: resolve every power cable's ends; a cable with any unresolvable end is rejected whole.
    const feedLinks: Link[] = [];
    const outletLinks: Link[] = [];
    for (const at of this.rows<CableRow>('cables')) {
      const c = at.value;
      const ends: End[] = [
        ...c.a_terminations.map((t, i) => ({ t, field: `a_terminations[${i}]` })),
        ...c.b_terminations.map((t, i) => ({ t, field: `b_terminations[${i}]` })),
      ];
      if (!ends.some((e) => POWER.has(e.t.object_type))) {
        this.dataCablesIgnored++;
        continue;
      }
      // NetBox lets either end be A: the load end is the one with the power port(s).
      const loadEnd = c.a_terminations.some((t) => t.object_type === 'dcim.powerport') ? 'a' : 'b';
      const loads = ends.filter((e) => e.field.startsWith(loadEnd) && e.t.object_type === 'dcim.powerport');
      const sources = ends.filter((e) => !e.field.startsWith(loadEnd) && (e.t.object_type === 'dcim.powerfeed' || e.t.object_type === 'dcim.poweroutlet'));
      if (loads.length === 0 || sources.length === 0) {
        this.reject(at, loads.length === 0 ? 'a_terminations' : `${loadEnd === 'a' ? 'b' : 'a'}_terminations`,
          'a power cable joins power ports to a power feed or power outlets');
        continue;
      }
      const problems: string[][] = [];
      const deviceKey = (e: End, components: Map<number, ComponentRow>): string | undefined => {
        const device = e.t.object?.device?.id ?? components.get(e.t.object_id)?.device.id;
        if (device === undefined) {
          problems.push([`${e.field}.object.device`, `${e.t.object_type} ${e.t.object_id} names no device (and it is not in the export)`]);
          return undefined;
        }
        return this.lookup(`${e.field}.object.device`, 'devices', device, problems);
      };
      const links: Link[] = [];
      for (const load of loads) {
        const from = deviceKey(load, ports);
        for (const source of sources) {
          if (source.t.object_type === 'dcim.powerfeed') {
            const to = this.lookup(`${source.field}.object_id`, 'power_feeds', source.t.object_id, problems);
            if (from && to) links.push({ at, field: source.field, from, to, feedId: source.t.object_id });
          } else {
            const to = deviceKey(source, outlets);
            const port = source.t.object?.name ?? outlets.get(source.t.object_id)?.name ?? undefined;
            if (from && to) links.push({ at, field: source.field, from, to, ...(port ? { port } : {}) });
          }
        }
      }
      if (!this.flush(at, problems)) continue;
      for (const link of links) (link.feedId !== undefined ? feedLinks : outletLinks).push(link);
    }

    // Pass 2: feed cables first; a PDU or UPS fed from exactly one side passes that side on to what it powers.
    const sidesOf = new Map<string, Set<'A' | 'B' | undefined>>();
    for (const link of feedLinks) {
      const side = this.feedSide.get(link.feedId!);
      sidesOf.set(link.from, (sidesOf.get(link.from) ?? new Set()).add(side));
      this.addRelation(link.at, link.field, { kind: 'powered_by', from: link.from, to: link.to, ...(side ? { feed: side } : {}) });
    }
    for (const link of outletLinks) {
      const sides = sidesOf.get(link.to);
      const side = sides?.size === 1 ? [...sides][0] : undefined;
      this.addRelation(link.at, link.field, {
        kind: 'powered_by', from: link.from, to: link.to, ...(link.port ? { port: link.port } : {}), ...(side ? { feed: side } : {}),
      });
    }
  }
}

/** Stable order with every CI after its parent (parents from outside the plan are taken as present). */
function parentsFirst(cis: CiInput[]): CiInput[] {
  const byKey = new Map(cis.map((c) => [c.key, c]));
  const out: CiInput[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (ci: CiInput) => {
    if (placed.has(ci.key) || visiting.has(ci.key)) return;
    visiting.add(ci.key);
    const parent = ci.parent ? byKey.get(ci.parent) : undefined;
    if (parent) place(parent);
    visiting.delete(ci.key);
    placed.add(ci.key);
    out.push(ci);
  };
  for (const ci of cis) place(ci);
  return out;
}
