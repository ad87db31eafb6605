/**
 * The CMDB's vocabulary: the kinds of configuration items, their life-cycle states, the relationship kinds and
 * the effects of a failure. Plain constants with no imports, shared by the server (types.ts, graph.ts) and the
 * web bundle (web/src/api/cmdb.ts), so the two cannot drift apart: keep this file free of imports.
 */

export const CI_TYPES = [
  'site', 'building', 'room', 'row', 'rack',
  'utility', 'transformer', 'generator', 'ups', 'panel', 'breaker', 'feed', 'pdu', 'meter',
  'crac', 'chiller', 'sensor',
  'server', 'switch', 'storage',
  'service', 'collector',
] as const;
export type CiType = (typeof CI_TYPES)[number];

export const CI_STATUSES = ['planned', 'in_stock', 'installed', 'active', 'maintenance', 'retired'] as const;
export type CiStatus = (typeof CI_STATUSES)[number];

export const RELATION_KINDS = ['powered_by', 'cooled_by', 'depends_on', 'part_of', 'monitored_by'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** What a failure does to a CI, worst first (the impact analysis ranks by this order). */
export const IMPACT_EFFECTS = [
  'loses_power', 'loses_redundancy', 'loses_cooling', 'cooling_degraded', 'service_down', 'service_degraded',
] as const;
export type ImpactEffect = (typeof IMPACT_EFFECTS)[number];
