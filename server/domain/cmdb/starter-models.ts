/**
 * The model library every Kiban starts with: the simulated devices and common real models, so a person can
 * document a rack without typing nameplates first. Nameplate facts from the vendors' datasheets.
 */
import type { Db } from '../../../db/client.ts';
import { applyPlan } from './apply.ts';
import type { CiModelInput } from './types.ts';

export const STARTER_MODELS: CiModelInput[] = [
  { key: 'apc/ar3300', type: 'rack', vendor: 'APC', model: 'NetShelter SX 42U 600 mm × 1200 mm', uHeight: 42, weightKg: 164, attributes: { uHeight: 42, maxWeightKg: 1363 } },
  { key: 'apc/ar3350', type: 'rack', vendor: 'APC', model: 'NetShelter SX 42U 750 mm × 1200 mm', uHeight: 42, weightKg: 178, attributes: { uHeight: 42, maxWeightKg: 1363 } },
  { key: 'dell/poweredge-r650', type: 'server', vendor: 'Dell', model: 'PowerEdge R650', uHeight: 1, weightKg: 21.2, nameplateW: 1100, psuCount: 2, airflow: 'front-to-rear' },
  { key: 'dell/poweredge-r750', type: 'server', vendor: 'Dell', model: 'PowerEdge R750', uHeight: 2, weightKg: 28.6, nameplateW: 1400, psuCount: 2, airflow: 'front-to-rear' },
  { key: 'hpe/proliant-dl380-gen11', type: 'server', vendor: 'HPE', model: 'ProLiant DL380 Gen11', uHeight: 2, weightKg: 23.6, nameplateW: 1600, psuCount: 2, airflow: 'front-to-rear' },
  { key: 'cisco/nexus-93180yc-fx', type: 'switch', vendor: 'Cisco', model: 'Nexus 93180YC-FX', uHeight: 1, weightKg: 8.4, nameplateW: 650, psuCount: 2, airflow: 'front-to-rear' },
  { key: 'netapp/aff-a250', type: 'storage', vendor: 'NetApp', model: 'AFF A250', uHeight: 2, weightKg: 29.5, nameplateW: 1600, psuCount: 2, airflow: 'front-to-rear' },
  { key: 'raritan/px3-5493v', type: 'pdu', vendor: 'Raritan', model: 'PX3-5493V', uHeight: 0, weightKg: 6.8, attributes: { outletCount: 24, ratedA: 32 } },
  { key: 'servertech/c2wg24te-dqme2m66-c', type: 'pdu', vendor: 'Server Technology', model: 'C2WG24TE-DQME2M66/C', uHeight: 0, weightKg: 7.3, attributes: { outletCount: 24, ratedA: 32 } },
  { key: 'vertiv/liebert-icom-crac', type: 'crac', vendor: 'Vertiv (Liebert)', model: 'iCOM CRAC via IntelliSlot (simulated)' },
  { key: 'kiban/rack-env-sensor', type: 'sensor', vendor: 'Kiban', model: 'Simulated rack environment sensor (3 inlet, 1 outlet, RH)', uHeight: 0, weightKg: 0.2 },
  { key: 'kiban/din-energy-meter', type: 'meter', vendor: 'Kiban', model: 'Simulated DIN-rail energy meter' },
  { key: 'kiban/water-meter', type: 'meter', vendor: 'Kiban', model: 'Simulated Modbus water meter' },
];

/** Puts the starter library into an empty model library (a library people already keep is left alone). */
export async function ensureStarterModels(db: Db): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from ci_models');
  if (Number(n) > 0) return 0;
  const result = await applyPlan(db, { source: 'starter-library', models: STARTER_MODELS, cis: [], relations: [] }, { actor: 'kiban', mode: 'all-or-nothing' });
  return result.modelsChanged;
}
