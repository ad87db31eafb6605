/**
 * Typed client for the configuration management database (CMDB): configuration items (CIs), their
 * location tree, relationships, history, power path, failure impact and the points that measure them.
 * Wire shapes; the vocabulary comes from server/domain/cmdb/vocabulary.ts (plain constants, no zod).
 */
import { ApiError, request } from './client.ts';
import type { ListResponse, SampleQuality } from './types.ts';

// ---------------------------------------------------------------- vocabulary (the server's own: server/domain/cmdb/vocabulary.ts)

import type { CiStatus, CiType, ImpactEffect, RelationKind } from '../../../server/domain/cmdb/vocabulary.ts';

export {
  CI_STATUSES, CI_TYPES, IMPACT_EFFECTS, RELATION_KINDS, type CiStatus, type CiType, type ImpactEffect, type RelationKind,
} from '../../../server/domain/cmdb/vocabulary.ts';

export type RackFace = 'front' | 'rear';
export type PowerFeed = 'A' | 'B';

// ---------------------------------------------------------------- views

export interface CiModelView {
  /** Model library key, e.g. `raritan/px3-5190r`. */
  key: string;
  type?: string;
  /** Null in a past state (as-of), where only the library key was recorded. */
  vendor: string | null;
  model: string | null;
  uHeight?: number | null;
  weightKg?: number | null;
  nameplateW?: number | null;
  psuCount?: number | null;
  airflow?: string | null;
  attributes?: Record<string, unknown>;
}

export interface CiLink {
  title: string;
  url: string;
}

/** A CI as the API shows it; optional fields come as null when unset. */
export interface CiView {
  key: string;
  type: CiType;
  name: string;
  status: CiStatus;
  description?: string | null;
  model?: CiModelView | null;
  /** The model's vendor (convenience). */
  vendor?: string | null;
  serial?: string | null;
  assetTag?: string | null;
  owner?: string | null;
  /** ISO dates (YYYY-MM-DD). */
  installDate?: string | null;
  warrantyEnd?: string | null;
  supportEnd?: string | null;
  maintenanceContract?: string | null;
  maintenanceVendor?: string | null;
  /** Key of the CI this one is located in. */
  parent?: string | null;
  /** Lowest U occupied in the parent rack (1-based). */
  positionU?: number | null;
  face?: RackFace | null;
  /** Collector devices whose points belong to this CI (a UPS may have an SNMP and a Modbus face). */
  devices?: string[];
  /** The first of `devices`. */
  device?: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  links: CiLink[];
  version: number;
  createdAt: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface CiRef {
  key: string;
  type: CiType;
  name: string;
}

export interface RelationView {
  id: number | string;
  kind: RelationKind;
  from: CiRef;
  to: CiRef;
  feed?: PowerFeed | null;
  port?: string | null;
  phase?: string | null;
  note?: string | null;
}

export interface CiDetail {
  ci: CiView;
  /** Ancestors, site first. */
  path: CiRef[];
  children: CiView[];
  relations: RelationView[];
}

/** Fields an admin may change; `null` clears an optional field. `version` guards against lost updates. */
export type CiPatch = Partial<{
  name: string;
  status: CiStatus;
  description: string | null;
  model: string | null;
  serial: string | null;
  assetTag: string | null;
  owner: string | null;
  installDate: string | null;
  warrantyEnd: string | null;
  supportEnd: string | null;
  maintenanceContract: string | null;
  maintenanceVendor: string | null;
  parent: string | null;
  positionU: number | null;
  face: RackFace | null;
  devices: string[];
  attributes: Record<string, unknown>;
  tags: string[];
  links: CiLink[];
}> & { version: number };

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface HistoryEntry {
  id: number | string;
  at: string;
  actor: string;
  source: string;
  action: 'create' | 'update' | 'delete';
  entity: 'ci' | 'relation' | 'model';
  /** One line in English from the server; the page shows the localized changes instead. */
  summary?: string;
  changes: FieldChange[];
}

export interface CiAsOf {
  asOf: string;
  ci: CiView | null;
  children: CiView[];
  relations: RelationView[];
}

export interface CiPoint {
  /** `<device>/<metric>`. */
  key: string;
  device?: string;
  metric: string;
  unit: string;
  role?: string | null;
  description?: string | null;
  value: number | null;
  ts: string | null;
  quality: SampleQuality | null;
}

export interface PowerPathNode {
  key: string;
  type: CiType;
  name: string;
  status: CiStatus;
  /** Fewest links from the CI. */
  depth?: number;
}

/** `from` draws power from `to` (same direction as a powered_by relation). */
export interface PowerPathEdge {
  from: string;
  to: string;
  feed?: PowerFeed | null;
  port?: string | null;
}

export interface PowerPath {
  root: string;
  nodes: PowerPathNode[];
  edges: PowerPathEdge[];
  /** Keys of the nodes nothing else powers (utility, generator). */
  sources?: string[];
}

export interface ImpactItem extends CiRef {
  effect: ImpactEffect;
  /** The CI through which the failure reaches this one. */
  via: string;
}

export interface Impact {
  failed: string;
  affected: ImpactItem[];
  counts: Partial<Record<ImpactEffect, number>>;
}

export interface DependentService {
  key: string;
  name: string;
  status: CiStatus;
  via: string;
}

export interface TreeNode {
  key: string;
  type: CiType;
  name: string;
  status: CiStatus;
  children: TreeNode[];
  /** How many CIs this location holds directly (for a rack: its mounted equipment). */
  devices?: number;
  counts?: { devices: number };
}

export interface AuditFinding {
  kind: string;
  severity: string;
  ci?: string;
  device?: string;
  field?: string;
  documented?: unknown;
  discovered?: unknown;
  message: string;
}

export interface AuditReport {
  items: AuditFinding[];
  checkedAt: string;
}

export interface CiQuery {
  q?: string;
  type?: CiType;
  status?: CiStatus;
  parent?: string;
  tag?: string;
  limit?: number;
  cursor?: string;
}

/** One field named by a 400/422 answer (`details.issues`). */
export interface FieldIssue {
  path: string;
  message: string;
}

// ---------------------------------------------------------------- transport

/** Field issues of a validation error (400/422), `[]` for any other error. */
export function fieldIssuesOf(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError) || (error.status !== 400 && error.status !== 422)) return [];
  const issues = (error.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue): FieldIssue[] => {
    if (typeof issue !== 'object' || issue === null) return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    // The server sends `attributes.ratedKw`; accept zod's array form too.
    const joined = Array.isArray(path) ? path.map(String).join('.') : typeof path === 'string' ? path : '';
    let text = typeof message === 'string' ? message : String(message);
    // Messages may repeat where they apply (`ups-a1: attributes.ratedKw: too small`); the form shows that already.
    const marker = joined ? `${joined}: ` : '';
    const at = marker ? text.indexOf(marker) : -1;
    if (at >= 0) text = text.slice(at + marker.length);
    return [{ path: joined, message: text }];
  });
}

const ci = (key: string) => `/cis/${encodeURIComponent(key)}`;

export const cmdbApi = {
  listCis: (query: CiQuery, signal?: AbortSignal) =>
    request<ListResponse<CiView>>('GET', '/cis', { query: { ...query }, signal }),
  getCi: (key: string, signal?: AbortSignal) => request<CiDetail>('GET', ci(key), { signal }),
  updateCi: (key: string, patch: CiPatch) => request<{ ci: CiView }>('PATCH', ci(key), { body: patch }),
  history: (key: string, signal?: AbortSignal) =>
    request<ListResponse<HistoryEntry>>('GET', `${ci(key)}/history`, { signal }),
  asOf: (key: string, at: Date, signal?: AbortSignal) =>
    request<CiAsOf>('GET', `${ci(key)}/history`, { query: { asOf: at.toISOString() }, signal }),
  points: (key: string, signal?: AbortSignal) => request<ListResponse<CiPoint>>('GET', `${ci(key)}/points`, { signal }),
  powerPath: (key: string, signal?: AbortSignal) => request<PowerPath>('GET', `${ci(key)}/power-path`, { signal }),
  impact: (key: string, signal?: AbortSignal) => request<Impact>('GET', `${ci(key)}/impact`, { signal }),
  services: (key: string, signal?: AbortSignal) =>
    request<ListResponse<DependentService>>('GET', `${ci(key)}/services`, { signal }),
  tree: (signal?: AbortSignal) => request<ListResponse<TreeNode>>('GET', '/cmdb/tree', { signal }),
  audit: (signal?: AbortSignal) => request<AuditReport>('GET', '/cmdb/audit', { signal }),
};
