/**
 * Site descriptions: generated for `kiban sim --racks N`, or read from a YAML/JSON file. Both produce the
 * same SiteSpec (site/types.ts), validated the same way, so a hand-written site and a generated one are
 * interchangeable.
 *
 * A generated site is laid out as a facility team would build it: rooms of at most 200 racks, rows of
 * 10–20 racks with one CRAC per row, dual-corded racks fed by an A-feed and a B-feed UPS (2N), and each UPS
 * sized so that it could carry every rack it feeds alone (one feed lost) at ≤ 80 % of its rating.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { deriveSeed, mulberry32 } from '../physics/prng.ts';
import type { CracSpec, MeterSpec, PduVendor, RackSpec, RoomSpec, SiteSpec, UpsSpec } from './types.ts';

// ---------------------------------------------------------------- device ids

export type SimDeviceKind = 'ups' | 'pdu' | 'crac' | 'sensor' | 'meter';

export const pduIdOf = (rackId: string, feed: 'A' | 'B'): string => `${rackId}-pdu-${feed === 'A' ? 'a' : 'b'}`;
/** Id of the rack's environment sensor device (the MQTT adapter publishes under it; faults may name the rack). */
export const sensorIdOf = (rackId: string): string => `${rackId}-sensor`;

/** Extra, optional site facts the physics uses; not (yet) part of the SiteSpec contract. */
export interface SiteSpecExtras {
  /** Longitude for local solar time (sun, daily load and temperature cycles); default Tokyo, 139.69. */
  longitude?: number;
  /** PV array peak power in W; default 5 % of the nominal IT load. */
  pvPeakW?: number;
}
export type SiteSpecWithExtras = SiteSpec & SiteSpecExtras;

/** Every device id of a site with its kind (racks map to their sensor). */
export function siteDeviceKinds(spec: SiteSpec): Map<string, SimDeviceKind> {
  const kinds = new Map<string, SimDeviceKind>();
  for (const u of spec.ups) kinds.set(u.id, 'ups');
  for (const r of spec.racks) {
    kinds.set(pduIdOf(r.id, 'A'), 'pdu');
    kinds.set(pduIdOf(r.id, 'B'), 'pdu');
    kinds.set(sensorIdOf(r.id), 'sensor');
  }
  for (const c of spec.cracs) kinds.set(c.id, 'crac');
  for (const m of spec.meters) kinds.set(m.id, 'meter');
  return kinds;
}

// ---------------------------------------------------------------- generation

export interface GenerateSiteOptions {
  racks: number;
  seed?: number;
  name?: string;
  /** Racks per row; default: rows of 10–20 (about 16) racks. */
  racksPerRow?: number;
  /** At most this many racks per room (default 200). */
  maxRacksPerRoom?: number;
  latitude?: number;
  longitude?: number;
  /** Nominal IT load range per rack (W), default 2–8 kW. */
  minRackLoadW?: number;
  maxRackLoadW?: number;
  outletsPerPdu?: number;
  pduRatedCurrentA?: number;
}

const TOKYO = { latitude: 35.68, longitude: 139.69 };
/** Continuous load limit as a fraction of rating (NEC 80 % rule, applied to UPS sizing as well). */
export const CONTINUOUS_LOAD_LIMIT = 0.8;
/** Allowance above the nominal rack load for noise and load steps when sizing UPS and CRAC. */
const PEAK_ALLOWANCE = 1.1;
const STANDARD_UPS_RATINGS_W = [10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000, 100_000, 120_000, 160_000,
  200_000, 250_000, 300_000, 400_000, 500_000];
const LARGEST_UPS_W = STANDARD_UPS_RATINGS_W[STANDARD_UPS_RATINGS_W.length - 1];
/** Modern UPS output power factor 0.9: VA rating = W rating / 0.9. */
const UPS_RATED_POWER_FACTOR = 0.9;
/** CRACs are sized with headroom (about N+50 % on their row), as rows are rarely uniformly loaded. */
const CRAC_SIZING_FACTOR = 1.5;

/** Row letters a..z, then aa, ab, … */
export function rowLetter(index: number): string {
  let n = index;
  let letters = '';
  do {
    letters = String.fromCharCode(97 + (n % 26)) + letters;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return letters;
}

/** Split `total` into `parts` sizes differing by at most one. */
function evenSplit(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

function upsRatingFor(requiredW: number): number {
  return STANDARD_UPS_RATINGS_W.find((r) => r >= requiredW) ?? Math.ceil(requiredW / 50_000) * 50_000;
}

export function generateSite(opts: GenerateSiteOptions): SiteSpecWithExtras {
  const rackCount = opts.racks;
  if (!Number.isInteger(rackCount) || rackCount < 1) throw new RangeError(`racks must be a positive integer, got ${rackCount}`);
  const seed = opts.seed ?? 1;
  const maxPerRoom = opts.maxRacksPerRoom ?? 200;
  const minLoadW = opts.minRackLoadW ?? 2000;
  const maxLoadW = opts.maxRackLoadW ?? 8000;
  if (!(minLoadW > 0 && maxLoadW >= minLoadW)) throw new RangeError(`rack load range must satisfy 0 < min <= max, got ${minLoadW}..${maxLoadW}`);
  const rng = mulberry32(deriveSeed(seed, 'site-layout'));

  const rooms: RoomSpec[] = [];
  const racks: Omit<RackSpec, 'upsA' | 'upsB'>[] = [];
  const cracs: CracSpec[] = [];
  let globalRow = 0;
  const roomSizes = evenSplit(rackCount, Math.ceil(rackCount / maxPerRoom));
  for (const [roomIndex, roomRacks] of roomSizes.entries()) {
    const roomId = `r${roomIndex + 1}`;
    const rowCount = opts.racksPerRow ? Math.ceil(roomRacks / opts.racksPerRow) : Math.ceil(roomRacks / 16);
    const rowSizes = opts.racksPerRow
      ? Array.from({ length: rowCount }, (_, i) => Math.min(opts.racksPerRow!, roomRacks - i * opts.racksPerRow!))
      : evenSplit(roomRacks, rowCount);
    const room: RoomSpec = { id: roomId, name: `Room ${roomIndex + 1}`, rows: [] };
    for (const [rowIndex, rowRacks] of rowSizes.entries()) {
      const rowId = `${roomId}-${rowLetter(rowIndex)}`;
      room.rows.push(rowId);
      const vendor: PduVendor = globalRow % 2 === 0 ? 'raritan' : 'sentry4';
      const cracId = `crac-${rowId}`;
      let rowLoadW = 0;
      const digits = Math.max(2, String(rowRacks).length);
      for (let i = 1; i <= rowRacks; i++) {
        const itLoadW = Math.round((minLoadW + rng() * (maxLoadW - minLoadW)) / 100) * 100;
        rowLoadW += itLoadW;
        racks.push({
          id: `${rowId}${String(i).padStart(digits, '0')}`,
          room: roomId, row: rowId, heightU: 42, itLoadW,
          outletsPerPdu: opts.outletsPerPdu ?? 24, pduVendor: vendor, pduRatedCurrentA: opts.pduRatedCurrentA ?? 32,
          crac: cracId,
        });
      }
      cracs.push({ id: cracId, room: roomId, ratedCoolingW: Math.ceil(rowLoadW * PEAK_ALLOWANCE * CRAC_SIZING_FACTOR / 5000) * 5000 });
      globalRow++;
    }
    rooms.push(room);
  }

  // UPS pairs: as few as the largest model allows (with 5 % slack so the greedy split below never needs an
  // off-list rating), each pair feeding a contiguous block of racks, balanced by load.
  const peakOf = (r: { itLoadW: number }) => r.itLoadW * PEAK_ALLOWANCE;
  const totalPeakW = racks.reduce((s, r) => s + peakOf(r), 0);
  const pairCount = Math.min(racks.length, Math.ceil(totalPeakW * 1.01 / (0.95 * CONTINUOUS_LOAD_LIMIT * LARGEST_UPS_W)));
  const groupTargetW = totalPeakW / pairCount;
  const groupOf: number[] = [];
  let group = 0;
  let groupW = 0;
  for (const [i, r] of racks.entries()) {
    const racksLeft = racks.length - i;
    const groupsLeft = pairCount - group;
    if (groupW > 0 && groupW + peakOf(r) / 2 > groupTargetW && groupsLeft > 1 && racksLeft >= groupsLeft - 1) {
      group++;
      groupW = 0;
    }
    groupOf.push(group);
    groupW += peakOf(r);
  }
  const groupPeakW = new Array<number>(pairCount).fill(0);
  for (const [i, r] of racks.entries()) groupPeakW[groupOf[i]] += peakOf(r);
  const ups: UpsSpec[] = [];
  for (const feed of ['a', 'b'] as const) {
    for (let g = 0; g < pairCount; g++) {
      // Sized for the whole group (failover) plus the 1 % distribution loss, at ≤ 80 % of rating.
      const ratedW = upsRatingFor(groupPeakW[g] * 1.01 / CONTINUOUS_LOAD_LIMIT);
      ups.push({
        id: `ups-${feed}${g + 1}`, ratedW, ratedVA: Math.round(ratedW / UPS_RATED_POWER_FACTOR),
        batteryStrings: Math.max(1, Math.ceil(ratedW / 100_000)), nominalRuntimeMin: 10,
      });
    }
  }
  const fullRacks: RackSpec[] = racks.map((r, i) => ({ ...r, upsA: `ups-a${groupOf[i] + 1}`, upsB: `ups-b${groupOf[i] + 1}` }));

  const meters: MeterSpec[] = [
    { id: 'meter-utility', kind: 'utility', wordOrder: 'ABCD' },
    { id: 'meter-generator', kind: 'generator', wordOrder: 'ABCD' },
    // The PV inverter's meter comes from another vendor that puts the low word first.
    { id: 'meter-pv', kind: 'pv', wordOrder: 'CDAB' },
    { id: 'meter-water', kind: 'water', wordOrder: 'ABCD' },
  ];

  return {
    name: opts.name ?? `Kiban simulated site (${rackCount} racks)`,
    seed,
    latitude: opts.latitude ?? TOKYO.latitude,
    longitude: opts.longitude ?? TOKYO.longitude,
    rooms, racks: fullRacks, ups, cracs, meters,
    // ~10 W/m² of lighting over ~3 m² per rack, plus offices/NOC.
    lightingW: 500 + 30 * rackCount,
  };
}

/** The demo's small site: one room, two rows of four racks. */
export function defaultDemoSite(seed = 1): SiteSpecWithExtras {
  return generateSite({ racks: 8, racksPerRow: 4, seed, name: 'Kiban demo site' });
}

// ---------------------------------------------------------------- site files

export class SiteFileError extends Error {
  constructor(readonly file: string, readonly field: string, detail: string) {
    super(`${file}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'SiteFileError';
  }
}

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ - only');

const rackSchema = z.strictObject({
  id, room: id, row: id,
  heightU: z.number().int().min(1).max(60).default(42),
  itLoadW: z.number().positive().max(100_000),
  outletsPerPdu: z.number().int().min(1).max(64).default(24),
  pduVendor: z.enum(['raritan', 'sentry4']).default('raritan'),
  pduRatedCurrentA: z.number().positive().max(200).default(32),
  upsA: id, upsB: id, crac: id,
});
const upsSchema = z.strictObject({
  id, ratedW: z.number().positive(), ratedVA: z.number().positive().optional(),
  batteryStrings: z.number().int().min(1).default(1), nominalRuntimeMin: z.number().positive().default(10),
});
const cracSchema = z.strictObject({ id, room: id, ratedCoolingW: z.number().positive() });
const meterSchema = z.strictObject({ id, kind: z.enum(['utility', 'generator', 'pv', 'water']), wordOrder: z.enum(['ABCD', 'CDAB']).default('ABCD') });
const roomSchema = z.strictObject({ id, name: z.string().optional(), rows: z.array(id).min(1) });

export const siteFileSchema = z.strictObject({
  name: z.string().min(1).default('Kiban site'),
  seed: z.number().int().default(1),
  latitude: z.number().min(-90).max(90).default(TOKYO.latitude),
  longitude: z.number().min(-180).max(180).optional(),
  pvPeakW: z.number().min(0).optional(),
  lightingW: z.number().min(0).default(1000),
  rooms: z.array(roomSchema).min(1),
  racks: z.array(rackSchema).min(1),
  ups: z.array(upsSchema).min(1),
  cracs: z.array(cracSchema).min(1),
  meters: z.array(meterSchema).default([]),
}).superRefine((site, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const duplicates = (items: { id: string }[], key: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => { if (seen.has(item.id)) issue([key, i, 'id'], `duplicate id '${item.id}'`); seen.add(item.id); });
    return seen;
  };
  const roomIds = duplicates(site.rooms, 'rooms');
  const upsIds = duplicates(site.ups, 'ups');
  const cracIds = duplicates(site.cracs, 'cracs');
  duplicates(site.racks, 'racks');
  duplicates(site.meters, 'meters');
  const rowRoom = new Map<string, string>();
  site.rooms.forEach((room) => room.rows.forEach((row) => rowRoom.set(row, room.id)));
  site.cracs.forEach((c, i) => { if (!roomIds.has(c.room)) issue(['cracs', i, 'room'], `unknown room '${c.room}'`); });
  site.racks.forEach((r, i) => {
    if (!roomIds.has(r.room)) issue(['racks', i, 'room'], `unknown room '${r.room}'`);
    else if (rowRoom.get(r.row) !== r.room) issue(['racks', i, 'row'], `row '${r.row}' is not a row of room '${r.room}'`);
    if (!upsIds.has(r.upsA)) issue(['racks', i, 'upsA'], `unknown UPS '${r.upsA}'`);
    if (!upsIds.has(r.upsB)) issue(['racks', i, 'upsB'], `unknown UPS '${r.upsB}'`);
    if (r.upsA === r.upsB) issue(['racks', i, 'upsB'], 'feed B must come from a different UPS than feed A');
    if (!cracIds.has(r.crac)) issue(['racks', i, 'crac'], `unknown CRAC '${r.crac}'`);
  });
});

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/** Validate an already-parsed site description (e.g. from a test); `source` names it in errors. */
export function parseSiteSpec(raw: unknown, source = 'site'): SiteSpecWithExtras {
  const result = siteFileSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new SiteFileError(source, fieldPath(first.path), first.message);
  }
  const site = result.data;
  return {
    ...site,
    ups: site.ups.map((u) => ({ ...u, ratedVA: u.ratedVA ?? Math.round(u.ratedW / UPS_RATED_POWER_FACTOR) })),
    rooms: site.rooms.map((r) => ({ ...r, name: r.name ?? r.id })),
  };
}

/** Read a YAML or JSON site description (YAML is a superset of JSON, so one parser serves both). */
export async function loadSiteFile(path: string): Promise<SiteSpecWithExtras> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SiteFileError(path, '', `cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new SiteFileError(path, '', `not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseSiteSpec(raw, path);
}
