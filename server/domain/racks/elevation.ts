/**
 * A rack as a person sees it standing in front of it: what is mounted at which U on which face, what each
 * device draws (from the PDU outlets that feed it, else its own power points), the rack PDUs outlet by outlet,
 * the A/B feeds against their continuous-load limit (NEC 80 %), the inlet air temperatures, and the free U.
 */
import type { Queryable } from '../../../db/client.ts';
import { ancestorsOf, childrenOf, ciByKey, type CiView } from '../../../db/queries/cmdb.ts';
import { ciPointsLatest, rackPoints, rackPowerRelations, type CiPointLatestRow, type RackPointRow, type RackPowerRelation } from '../../../db/queries/racks.ts';
import { qualityName } from '../../../db/queries/samples.ts';
import { rackSummaries, rackUHeight } from './summary.ts';
import type { ElevationDevice, ElevationFeed, ElevationOutlet, ElevationPdu, ElevationPoint, InletPosition, RackElevation, RackSummary } from './types.ts';

const OUTLET_METRIC = /^outlet\.([0-9]{1,4})\.(power|state)$/;
const OUTLET_METRIC_SQL = '^outlet\\.[0-9]{1,4}\\.(power|state)$';
/** A device's own total power (a server's PSU reading, a rack UPS's output), when it reports one. */
const OWN_POWER_METRIC_SQL = '^(power|(output|psu|system)(\\.[^.]+)?\\.power)$';
/** NEC 210.19/215.2: continuous load at most 80 % of the rating, unless the feed says otherwise. */
export const DEFAULT_MAX_UTILIZATION = 0.8;

export class RackNotFoundError extends Error {}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function pointOf(r: { key: string; value: number | null; ts: Date | null; quality: number | null }, unit: string): ElevationPoint {
  return { key: r.key, value: r.quality === 0 ? r.value : null, ts: r.ts?.toISOString() ?? null, quality: r.quality === null ? null : qualityName(r.quality), unit };
}

/** Loads everything about one rack in a handful of queries. Throws RackNotFoundError for an unknown key or a CI that is not a rack. */
export async function rackElevation(db: Queryable, key: string): Promise<RackElevation> {
  const rack = await ciByKey(db, key);
  if (!rack || rack.type !== 'rack') throw new RackNotFoundError(rack ? `${key} is a ${rack.type}, not a rack` : `no rack ${key}`);
  const [path, members, relations, rackPointRows, [summary]] = await Promise.all([
    ancestorsOf(db, rack.id), childrenOf(db, rack.id), rackPowerRelations(db, rack.id), rackPoints(db, [rack.id]),
    rackSummaries(db, { racks: [key] }),
  ]);
  const pduKeys = members.filter((m) => m.type === 'pdu').map((m) => m.key);
  const ownPowerKeys = members.filter((m) => m.type !== 'pdu' && m.devices.length > 0 && m.positionU !== null).map((m) => m.key);
  const [outletRows, ownPowerRows] = await Promise.all([
    ciPointsLatest(db, pduKeys, OUTLET_METRIC_SQL),
    ciPointsLatest(db, ownPowerKeys, OWN_POWER_METRIC_SQL),
  ]);
  return buildElevation({ rack, path, members, relations, rackPointRows, summary, outletRows, ownPowerRows });
}

export interface ElevationInput {
  rack: CiView;
  path: Array<{ key: string; type: string; name: string }>;
  members: CiView[];
  relations: RackPowerRelation[];
  rackPointRows: RackPointRow[];
  summary: RackSummary;
  outletRows: CiPointLatestRow[];
  ownPowerRows: CiPointLatestRow[];
}

export function buildElevation(input: ElevationInput): RackElevation {
  const { rack, members, relations, rackPointRows, summary, outletRows, ownPowerRows } = input;
  const uHeight = rackUHeight(rack.attributes, rack.model?.uHeight ?? null);
  const byKey = new Map(members.map((m) => [m.key, m]));

  // ---- PDUs and their outlets
  const outletPoints = new Map<string, { power?: CiPointLatestRow; state?: CiPointLatestRow }>(); // `${pdu}|${outlet}`
  const outletNumbers = new Map<string, Set<string>>();
  for (const r of outletRows) {
    const m = OUTLET_METRIC.exec(r.metric);
    if (!m) continue;
    const id = `${r.ciKey}|${m[1]}`;
    const entry = outletPoints.get(id) ?? {};
    // A PDU answering on two protocols has one row per device: keep the first with a value.
    if (!entry[m[2] as 'power' | 'state'] || (entry[m[2] as 'power' | 'state']!.value === null && r.value !== null)) entry[m[2] as 'power' | 'state'] = r;
    outletPoints.set(id, entry);
    (outletNumbers.get(r.ciKey) ?? outletNumbers.set(r.ciKey, new Set()).get(r.ciKey)!).add(m[1]);
  }
  const onOutlet = new Map<string, { key: string; name: string }>(); // `${pdu}|${outlet}` → device
  const devicePower = new Map<string, string[]>(); // device key → outlet ids
  for (const rel of relations) {
    if (!byKey.has(rel.toKey) || byKey.get(rel.toKey)!.type !== 'pdu' || rel.port === null) continue;
    const from = byKey.get(rel.fromKey);
    const id = `${rel.toKey}|${rel.port}`;
    onOutlet.set(id, { key: rel.fromKey, name: from?.name ?? rel.fromKey });
    (outletNumbers.get(rel.toKey) ?? outletNumbers.set(rel.toKey, new Set()).get(rel.toKey)!).add(rel.port);
    devicePower.set(rel.fromKey, [...(devicePower.get(rel.fromKey) ?? []), id]);
  }
  const inletPowerRows = rackPointRows.filter((r) => r.role === 'power');
  const pduFeed = new Map<string, string | null>();
  for (const rel of relations) {
    const target = byKey.get(rel.fromKey);
    if (target?.type === 'pdu' && rel.toType === 'feed') pduFeed.set(rel.fromKey, rel.feed ?? feedSide(byKey.get(rel.toKey)) ?? rel.toKey);
  }
  const pdus: ElevationPdu[] = members.filter((m) => m.type === 'pdu').map((pdu) => {
    const declared = num(pdu.attributes.outletCount) ?? num(pdu.model?.attributes?.outletCount);
    const numbers = new Set(outletNumbers.get(pdu.key) ?? []);
    if (declared !== null && numbers.size === 0) for (let i = 1; i <= declared; i++) numbers.add(String(i));
    const outlets = [...numbers].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((outlet): ElevationOutlet => {
      const pts = outletPoints.get(`${pdu.key}|${outlet}`) ?? {};
      const state = pts.state;
      return {
        outlet,
        device: onOutlet.get(`${pdu.key}|${outlet}`) ?? null,
        power: pts.power ? pointOf(pts.power, pts.power.unit) : null,
        state: state ? {
          key: state.key, value: state.value, ts: state.ts?.toISOString() ?? null, quality: state.quality === null ? null : qualityName(state.quality),
          label: state.value === null ? null : state.states?.[String(Math.round(state.value))] ?? null,
          states: state.states,
        } : null,
      };
    });
    return {
      key: pdu.key, name: pdu.name, feed: pduFeed.get(pdu.key) ?? null, devices: pdu.devices,
      inletPower: inletPowerRows.filter((r) => r.ciKey === pdu.key).map((r) => pointOf(r, 'W')), outlets,
    };
  });

  // ---- mounted devices
  const ownPower = new Map<string, CiPointLatestRow[]>();
  for (const r of ownPowerRows) ownPower.set(r.ciKey, [...(ownPower.get(r.ciKey) ?? []), r]);
  const devices: ElevationDevice[] = [];
  const unmounted: RackElevation['unmounted'] = [];
  for (const m of members) {
    const height = m.model ? (m.model.uHeight ?? 1) : 1;
    if (m.positionU === null || height <= 0) {
      unmounted.push({ key: m.key, name: m.name, type: m.type, face: m.face });
      continue;
    }
    let powerW: number | null = null;
    const powerPoints: string[] = [];
    for (const id of devicePower.get(m.key) ?? []) {
      const p = outletPoints.get(id)?.power;
      if (!p) continue;
      powerPoints.push(p.key);
      if (p.value !== null && p.quality === 0) powerW = (powerW ?? 0) + p.value;
    }
    if (powerPoints.length === 0) {
      for (const p of ownPower.get(m.key) ?? []) {
        if (p.unit !== 'W') continue;
        powerPoints.push(p.key);
        if (p.value !== null && p.quality === 0) powerW = (powerW ?? 0) + p.value;
      }
    }
    devices.push({
      key: m.key, name: m.name, type: m.type, status: m.status, model: m.model?.model ?? null, vendor: m.model?.vendor ?? null,
      positionU: m.positionU, uHeight: height, face: m.face ?? 'front',
      // As in NetBox, rack equipment is full depth unless its model says otherwise.
      fullDepth: m.model?.attributes?.fullDepth !== false,
      nameplateW: m.model?.nameplateW ?? null, powerW, powerPoints,
    });
  }
  devices.sort((a, b) => b.positionU - a.positionU || a.key.localeCompare(b.key));

  // ---- free U (a full-depth device blocks both faces; CMDB placement rules keep faces from sharing a U)
  const taken = new Uint8Array(uHeight + 2);
  for (const d of devices) for (let u = d.positionU; u < d.positionU + d.uHeight && u <= uHeight; u++) taken[u] = 1;
  const emptyRanges: RackElevation['emptyRanges'] = [];
  for (let u = 1; u <= uHeight; u++) {
    if (taken[u]) continue;
    let to = u;
    while (to + 1 <= uHeight && !taken[to + 1]) to++;
    emptyRanges.push({ from: u, to, size: to - u + 1 });
    u = to;
  }

  // ---- feeds: the rack's powered_by feeds, and feed CIs located in it
  const feedKeys = new Set<string>();
  for (const rel of relations) if (rel.fromKey === rack.key && rel.toType === 'feed') feedKeys.add(rel.toKey);
  for (const m of members) if (m.type === 'feed') feedKeys.add(m.key);
  const feedNames = new Map<string, string>();
  for (const rel of relations) if (rel.toType === 'feed') feedNames.set(rel.toKey, rel.toName);
  const feeds: ElevationFeed[] = [...feedKeys].sort().map((fk) => {
    const ci = byKey.get(fk);
    const attrs = ci?.attributes ?? {};
    const rackRel = relations.find((r) => r.fromKey === rack.key && r.toKey === fk);
    const voltageV = num(attrs.voltageV);
    const ratedA = num(attrs.ratedA);
    const ratedW = voltageV !== null && ratedA !== null ? voltageV * ratedA * (attrs.phase === 'three' ? Math.sqrt(3) : 1) : null;
    const feedingPdus = pdus.filter((p) => relations.some((r) => r.fromKey === p.key && r.toKey === fk));
    const loadPoints = feedingPdus.flatMap((p) => p.inletPower.map((i) => i.key));
    const values = feedingPdus.flatMap((p) => p.inletPower.map((i) => i.value)).filter((v): v is number => v !== null);
    const source = relations.find((r) => r.fromKey === fk);
    return {
      key: fk, name: ci?.name ?? feedNames.get(fk) ?? fk,
      side: (typeof attrs.side === 'string' ? attrs.side : null) ?? rackRel?.feed ?? null,
      voltageV, ratedA, maxUtilization: num(attrs.maxUtilization) ?? DEFAULT_MAX_UTILIZATION, ratedW,
      loadW: values.length > 0 ? values.reduce((a, v) => a + v, 0) : null, loadPoints,
      source: source ? { key: source.toKey, name: source.toName } : null,
    };
  });

  // ---- inlet temperatures
  const inlets = rackPointRows.filter((r) => r.role === 'inlet').map((r) => ({ ...pointOf(r, 'degC'), position: inletPosition(r.key), ci: r.ciKey }));
  const order: Record<InletPosition, number> = { top: 0, middle: 1, bottom: 2, other: 3 };
  inlets.sort((a, b) => order[a.position] - order[b.position] || a.key.localeCompare(b.key));

  return {
    rack: {
      key: rack.key, name: rack.name, uHeight, descendingUnits: rack.attributes.descendingUnits === true,
      maxKw: num(rack.attributes.maxKw), model: rack.model?.model ?? null, path: input.path.map(({ key, type, name }) => ({ key, type, name })),
    },
    summary, devices, unmounted, emptyRanges, pdus, feeds, inlets,
  };
}

function feedSide(feed: CiView | undefined): string | null {
  return feed && typeof feed.attributes.side === 'string' ? feed.attributes.side : null;
}

function inletPosition(pointKey: string): InletPosition {
  const metric = pointKey.slice(pointKey.indexOf('/') + 1);
  if (/(^|\.)top(\.|$)/.test(metric)) return 'top';
  if (/(^|\.)(middle|mid)(\.|$)/.test(metric)) return 'middle';
  if (/(^|\.)(bottom|bot)(\.|$)/.test(metric)) return 'bottom';
  return 'other';
}
