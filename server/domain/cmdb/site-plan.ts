/**
 * A simulated site (firmware-sims SiteSpec) described as configuration items: the demo writes its CMDB
 * through this plan and the same import path as NetBox and CSV. Every simulated device becomes a CI linked
 * to its collector devices, with its power path (utility → transformer/generator → UPS → distribution panel
 * → rack feed → rack PDU → server PSU) and cooling (rack → its row's CRAC). Pure.
 */
import { rackServerLayout } from '../../../firmware-sims/site/rack-layout.ts';
import type { SiteSpec } from '../../../firmware-sims/site/types.ts';
import { serialFor } from '../../../firmware-sims/devices/pdu/pdu-runtime.ts';
import { serialForId } from '../../../firmware-sims/devices/ups/ups-identity.ts';
import { STARTER_MODELS } from './starter-models.ts';
import type { CiInput, CiModelInput, ImportPlan, RelationInput } from './types.ts';

/** Simulated UPS models by rated VA (the simulator names them `KSP-<kVA>K Online UPS`). */
function upsModel(ratedVA: number, ratedW: number): CiModelInput {
  const kva = Math.max(1, Math.round(ratedVA / 1000));
  return {
    key: `kiban/ksp-${kva}k`, type: 'ups', vendor: 'Kiban Simulated Power', model: `KSP-${kva}K Online UPS`,
    attributes: { ratedKva: ratedVA / 1000, ratedKw: ratedW / 1000, topology: 'online-double-conversion' },
  };
}

export interface SitePlanOptions {
  /** CI key of the site (default `site`). */
  siteKey?: string;
  /** Name of the collector that polls the site (its self-monitoring device gets a collector CI). */
  collector?: string;
  source?: string;
}

export function sitePlan(spec: SiteSpec, opts: SitePlanOptions = {}): ImportPlan {
  const models: CiModelInput[] = [...STARTER_MODELS];
  const cis: CiInput[] = [];
  const relations: RelationInput[] = [];
  const site = opts.siteKey ?? 'site';
  const building = `${site}-bldg1`;
  const rel = (kind: RelationInput['kind'], from: string, to: string, extra: Partial<RelationInput> = {}) => relations.push({ kind, from, to, ...extra });

  cis.push({ key: site, type: 'site', name: spec.name, attributes: { latitude: spec.latitude, timezone: 'Asia/Tokyo' } });
  cis.push({ key: building, type: 'building', name: 'Building 1', parent: site, attributes: {} });

  // Electrical supply: utility → transformer; generator and PV behind the switchboard.
  cis.push({ key: 'utility-1', type: 'utility', name: 'Utility service', parent: site, attributes: { voltageV: 6600 } });
  cis.push({ key: 'tr-1', type: 'transformer', name: 'Transformer TR-1', parent: building, attributes: { primaryV: 6600, secondaryV: 400 } });
  rel('powered_by', 'tr-1', 'utility-1');
  cis.push({ key: 'gen-1', type: 'generator', name: 'Standby generator GEN-1', parent: site, attributes: { fuel: 'diesel' } });
  cis.push({ key: 'mcc-1', type: 'panel', name: 'Mechanical panel MCC-1', parent: building, attributes: { voltageV: 400, phase: 'three' } });
  rel('powered_by', 'mcc-1', 'tr-1');
  rel('powered_by', 'mcc-1', 'gen-1');
  for (const m of spec.meters) {
    const isWater = m.kind === 'water';
    cis.push({ key: m.id, type: 'meter', name: `${m.kind[0].toUpperCase()}${m.kind.slice(1)} meter`, parent: building, model: isWater ? 'kiban/water-meter' : 'kiban/din-energy-meter', devices: [m.id], attributes: { measures: m.kind } });
  }
  const meterOf = (kind: string) => spec.meters.find((m) => m.kind === kind)?.id;
  if (meterOf('utility')) rel('monitored_by', 'utility-1', meterOf('utility')!);
  if (meterOf('generator')) rel('monitored_by', 'gen-1', meterOf('generator')!);
  if (meterOf('pv')) {
    cis.push({ key: 'pv-1', type: 'generator', name: 'Rooftop PV array', parent: site, attributes: { fuel: 'other' } });
    rel('monitored_by', 'pv-1', meterOf('pv')!);
  }

  // UPS → distribution panel per UPS.
  const upsModels = new Map<string, CiModelInput>();
  for (const u of spec.ups) {
    const model = upsModel(u.ratedVA, u.ratedW);
    upsModels.set(model.key, model);
    cis.push({
      key: u.id, type: 'ups', name: `UPS ${u.id.replace(/^ups-/, '').toUpperCase()}`, parent: building, model: model.key, serial: serialForId(u.id),
      devices: [u.id, `${u.id}-modbus`],
      attributes: { ratedKva: u.ratedVA / 1000, ratedKw: u.ratedW / 1000, topology: 'online-double-conversion', batteryStrings: u.batteryStrings, runtimeMin: u.nominalRuntimeMin },
    });
    rel('powered_by', u.id, 'tr-1');
    rel('powered_by', u.id, 'gen-1');
    const panel = `pdp-${u.id.replace(/^ups-/, '')}`;
    cis.push({ key: panel, type: 'panel', name: `Distribution panel ${panel.toUpperCase()}`, parent: building, attributes: { voltageV: 400, phase: 'three' } });
    rel('powered_by', panel, u.id);
  }
  models.push(...upsModels.values());

  // Rooms, rows, CRACs.
  const rowIndex = new Map<string, number>();
  for (const room of spec.rooms) {
    const racksPerRow = Math.max(...room.rows.map((row) => spec.racks.filter((r) => r.row === row).length), 1);
    cis.push({ key: room.id, type: 'room', name: room.name, parent: building, attributes: { gridColumns: racksPerRow + 4, gridRows: room.rows.length * 3 + 2, tileMm: 600 } });
    room.rows.forEach((row, i) => {
      rowIndex.set(row, i);
      cis.push({ key: row, type: 'row', name: `Row ${row.split('-').pop()!.toUpperCase()}`, parent: room.id, attributes: { gridRow: 1 + i * 3, aisle: 'cold' } });
    });
  }
  for (const crac of spec.cracs) {
    const row = spec.racks.find((r) => r.crac === crac.id)?.row;
    cis.push({
      key: crac.id, type: 'crac', name: `CRAC ${crac.id.replace(/^crac-/, '').toUpperCase()}`, parent: crac.room, model: 'vertiv/liebert-icom-crac', devices: [crac.id],
      attributes: { coolingKw: crac.ratedCoolingW / 1000, kind: 'crac', gridX: 0, ...(row !== undefined ? { gridY: 1 + (rowIndex.get(row) ?? 0) * 3 } : {}) },
    });
    rel('powered_by', crac.id, 'mcc-1');
  }

  // Racks: two feeds, two PDUs, servers on outlet k of both PDUs, a sensor, cooled by the row's CRAC.
  const positionInRow = new Map<string, number>();
  const firstServers = new Map<string, string[]>();
  for (const rack of spec.racks) {
    const x = (positionInRow.get(rack.row) ?? 0) + 1;
    positionInRow.set(rack.row, x);
    cis.push({
      key: rack.id, type: 'rack', name: `Rack ${rack.id.toUpperCase()}`, parent: rack.row, model: 'apc/ar3300',
      attributes: { uHeight: rack.heightU, maxWeightKg: 1363, maxKw: Math.round(rack.itLoadW * 1.5 / 100) / 10, coolingKw: Math.round(rack.itLoadW * 1.5 / 100) / 10, airflow: 'front-to-rear', gridX: 1 + x, gridY: 1 + (rowIndex.get(rack.row) ?? 0) * 3 },
    });
    rel('cooled_by', rack.id, rack.crac);
    const pduModel = rack.pduVendor === 'raritan' ? 'raritan/px3-5493v' : 'servertech/c2wg24te-dqme2m66-c';
    for (const feed of ['A', 'B'] as const) {
      const ups = feed === 'A' ? rack.upsA : rack.upsB;
      const feedKey = `feed-${rack.id}-${feed.toLowerCase()}`;
      cis.push({ key: feedKey, type: 'feed', name: `Feed ${feed} of ${rack.id.toUpperCase()}`, parent: rack.id, attributes: { side: feed, voltageV: 230, ratedA: rack.pduRatedCurrentA, phase: 'single', maxUtilization: 0.8 } });
      rel('powered_by', feedKey, `pdp-${ups.replace(/^ups-/, '')}`);
      rel('powered_by', rack.id, feedKey, { feed });
      const pdu = `${rack.id}-pdu-${feed.toLowerCase()}`;
      cis.push({
        key: pdu, type: 'pdu', name: `PDU ${feed} of ${rack.id.toUpperCase()}`, parent: rack.id, model: pduModel, devices: [pdu], face: 'rear',
        serial: serialFor(rack.pduVendor === 'raritan' ? 'QFC' : 'ABEF', pdu, 7),
        attributes: { outletCount: rack.outletsPerPdu, ratedA: rack.pduRatedCurrentA, voltageV: 230 },
      });
      rel('powered_by', pdu, feedKey, { feed });
    }
    const layout = rackServerLayout(rack);
    for (const [i, server] of layout.servers.entries()) {
      cis.push({ key: server.name, type: 'server', name: server.name, parent: rack.id, model: 'dell/poweredge-r650', positionU: 2 + i * 2, face: 'front', attributes: {} });
      rel('powered_by', server.name, `${rack.id}-pdu-a`, { feed: 'A', port: String(server.outlet) });
      rel('powered_by', server.name, `${rack.id}-pdu-b`, { feed: 'B', port: String(server.outlet) });
    }
    firstServers.set(rack.id, layout.servers.slice(0, 2).map((s) => s.name));
    const sensor = `${rack.id}-sensor`;
    cis.push({ key: sensor, type: 'sensor', name: `Environment sensor ${rack.id.toUpperCase()}`, parent: rack.id, model: 'kiban/rack-env-sensor', devices: [sensor], face: 'front', attributes: { measures: ['temperature', 'humidity'] } });
    rel('monitored_by', rack.id, sensor);
  }

  // Services: one per row (its racks' first servers), and a customer-facing service on top of the first two.
  const rows = spec.rooms.flatMap((r) => r.rows);
  for (const row of rows) {
    const svc = `svc-${row}`;
    cis.push({ key: svc, type: 'service', name: `Application tier ${row.toUpperCase()}`, attributes: { criticality: 'high' } });
    for (const rack of spec.racks.filter((r) => r.row === row)) for (const server of firstServers.get(rack.id) ?? []) rel('depends_on', svc, server);
  }
  if (rows.length > 0) {
    cis.push({ key: 'svc-portal', type: 'service', name: 'Customer portal', attributes: { criticality: 'critical', slaTarget: '99.95 %' } });
    for (const row of rows.slice(0, 2)) rel('depends_on', 'svc-portal', `svc-${row}`);
  }
  if (opts.collector) cis.push({ key: opts.collector, type: 'collector', name: `Collector ${opts.collector}`, parent: building, devices: [opts.collector], attributes: {} });

  return { source: opts.source ?? 'demo', models, cis, relations };
}
