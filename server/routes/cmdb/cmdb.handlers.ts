import type { Context } from 'hono';
import {
  ancestorsOf, auditRows, ciByKey, ciIdEverKeyed, childrenOf, historyOfCi, listCis, listModels,
  locationRows, pointsOfCi, relationById, relationsOf, stateAsOf, type CiSnapshot, type CiView, type HistoryRow,
  type RelationSnapshot, type RelationView,
} from '../../../db/queries/cmdb.ts';
import { latestSamples } from '../../../db/queries/samples.ts';
import {
  applyPlan, CmdbConflictError, CmdbNotFoundError, CmdbValidationError, deleteCi, deleteRelation, snapshotToInput, updateCi, type ApplyResult, type PlanIssue,
} from '../../domain/cmdb/apply.ts';
import { auditConfiguration, outletOfMetric, OUTLET_POWER_METRIC_SQL_REGEX } from '../../domain/cmdb/audit.ts';
import { EFFECTS } from '../../domain/cmdb/graph.ts';
import { cmdbGraph } from '../../domain/cmdb/graph-cache.ts';
import { exportCsv, importCsv } from '../../domain/cmdb/import/csv.ts';
import { importNetbox, type NetboxExport } from '../../domain/cmdb/import/netbox.ts';
import { LOCATION_TYPES, type CiType, type ImportPlan, type ImportRowError } from '../../domain/cmdb/types.ts';
import type { AppEnv } from '../../lib/context.ts';
import { errorJson } from '../../lib/errors.ts';

type C = Context<AppEnv, any, any>;

/** API shape of a CI (dates as ISO strings, vendor from the model). */
export function ciJson(ci: CiView | (CiSnapshot & { model?: any; createdAt?: Date; updatedAt?: Date; updatedBy?: string })) {
  const model = ci.model && typeof ci.model === 'object' ? ci.model : null;
  return {
    key: ci.key, type: ci.type, name: ci.name, status: ci.status, description: ci.description ?? null,
    model: model ? { key: model.key, type: model.type, vendor: model.vendor, model: model.model, uHeight: model.uHeight, weightKg: model.weightKg, nameplateW: model.nameplateW, psuCount: model.psuCount, airflow: model.airflow, attributes: model.attributes } : null,
    vendor: model?.vendor ?? null,
    serial: ci.serial ?? null, assetTag: ci.assetTag ?? null, owner: ci.owner ?? null,
    installDate: ci.installDate ?? null, warrantyEnd: ci.warrantyEnd ?? null, supportEnd: ci.supportEnd ?? null,
    maintenanceContract: ci.maintenanceContract ?? null, maintenanceVendor: ci.maintenanceVendor ?? null,
    parent: ci.parent ?? null, positionU: ci.positionU ?? null, face: ci.face ?? null,
    devices: ci.devices ?? [], device: ci.devices?.[0] ?? null,
    attributes: ci.attributes ?? {}, tags: ci.tags ?? [], links: ci.links ?? [], version: ci.version,
    createdAt: 'createdAt' in ci && ci.createdAt ? ci.createdAt.toISOString() : null,
    updatedAt: 'updatedAt' in ci && ci.updatedAt ? ci.updatedAt.toISOString() : null,
    updatedBy: 'updatedBy' in ci ? ci.updatedBy ?? null : null,
  };
}

/** A snapshot's `model` is the library key; the API shows it as a stub model. */
function snapshotJson(s: CiSnapshot) {
  return ciJson({ ...s, model: s.model ? { key: s.model, type: s.type, vendor: null, model: null, uHeight: null, weightKg: null, nameplateW: null, psuCount: null, airflow: null, attributes: {} } : null } as any);
}

const relationJson = (r: RelationView) => ({ ...r, feed: (r.feed as 'A' | 'B' | null) ?? null });

/** CMDB errors → HTTP: rules broken 422, conflicts 409, unknown 404. */
export function cmdbError(c: C, err: unknown) {
  if (err instanceof CmdbValidationError) {
    return errorJson(c, 422, 'validation_failed', err.message, { issues: err.issues.map((i) => ({ path: i.path, code: i.code, message: i.message, ref: i.ref })) });
  }
  if (err instanceof CmdbConflictError) return errorJson(c, 409, err.code, err.message);
  if (err instanceof CmdbNotFoundError) return errorJson(c, 404, 'not_found', err.message);
  throw err;
}

const actorOf = (c: C) => c.get('principal').name;
const list = (s: string | undefined) => (s ? [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))] : undefined);

export async function handleListCis(c: C) {
  const { db } = c.get('deps');
  const q = c.req.valid('query') as any;
  const rows = await listCis(db, { q: q.q, type: list(q.type), status: list(q.status), parent: q.parent, tag: q.tag, device: q.device, after: q.cursor, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return c.json({ items: page.map(ciJson), ...(rows.length > q.limit ? { next: page[page.length - 1].key } : {}) }, 200);
}

export async function handleCreateCi(c: C) {
  const { db } = c.get('deps');
  const body = c.req.valid('json');
  try {
    await applyPlan(db, { source: 'api', models: [], cis: [body as any], relations: [] }, { actor: actorOf(c), mode: 'all-or-nothing', expect: 'create' });
  } catch (err) {
    if (err instanceof CmdbValidationError && err.issues.some((i) => i.code === 'exists')) return errorJson(c, 409, 'exists', err.message);
    return cmdbError(c, err);
  }
  const ci = await ciByKey(db, String((body as any).key));
  return c.json({ ci: ciJson(ci!) }, 201);
}

export async function handleGetCi(c: C) {
  const { db } = c.get('deps');
  const { key } = c.req.valid('param') as { key: string };
  const ci = await ciByKey(db, key);
  if (!ci) return errorJson(c, 404, 'not_found', `no CI ${key}`);
  const [path, children, relations] = [await ancestorsOf(db, ci.id), await childrenOf(db, ci.id), await relationsOf(db, ci.id)];
  return c.json({ ci: ciJson(ci), path: path.map(({ key: k, type, name }) => ({ key: k, type, name })), children: children.map(ciJson), relations: relations.map(relationJson) }, 200);
}

export async function handlePatchCi(c: C) {
  const { db } = c.get('deps');
  const { key } = c.req.valid('param') as { key: string };
  const { version, key: newKey, type, ...patch } = c.req.valid('json') as Record<string, unknown>;
  if (newKey !== undefined && newKey !== key) return errorJson(c, 400, 'invalid_request', 'key cannot be changed (it is how people and scripts find the CI); create a new CI instead', { issues: [{ path: 'key', message: 'immutable' }] });
  if (type !== undefined) patch.type = type;
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version))) return errorJson(c, 400, 'invalid_request', 'version: expected an integer', { issues: [{ path: 'version', message: 'expected an integer' }] });
  try {
    await updateCi(db, key, patch, { actor: actorOf(c), version: version as number | undefined });
  } catch (err) { return cmdbError(c, err); }
  return c.json({ ci: ciJson((await ciByKey(db, key))!) }, 200);
}

export async function handleDeleteCi(c: C) {
  const { db } = c.get('deps');
  const { key } = c.req.valid('param') as { key: string };
  try { await deleteCi(db, key, { actor: actorOf(c) }); } catch (err) { return cmdbError(c, err); }
  return c.body(null, 204);
}

/** Field-by-field differences of two snapshots, for people reading the history. */
function changesOf(before: Record<string, unknown> | null, after: Record<string, unknown> | null) {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  fields.delete('version'); fields.delete('parentId'); fields.delete('fromId'); fields.delete('toId');
  const out: Array<{ field: string; before: unknown; after: unknown }> = [];
  for (const f of fields) {
    const b = before?.[f] ?? null;
    const a = after?.[f] ?? null;
    if (f === 'attributes' && b && a && typeof b === 'object' && typeof a === 'object') {
      for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
        const bv = (b as any)[k] ?? null; const av = (a as any)[k] ?? null;
        if (JSON.stringify(bv) !== JSON.stringify(av)) out.push({ field: `attributes.${k}`, before: bv, after: av });
      }
    } else if (JSON.stringify(b) !== JSON.stringify(a)) out.push({ field: f, before: b, after: a });
  }
  return out;
}

function summaryOf(h: HistoryRow): string {
  const s = (h.after ?? h.before ?? {}) as Record<string, any>;
  if (h.entity === 'relation') return `${h.action === 'delete' ? 'removed' : h.action === 'create' ? 'added' : 'changed'} ${s.from} ${String(s.kind).replace('_', ' ')} ${s.to}${s.feed ? ` (feed ${s.feed})` : ''}${s.port ? ` port ${s.port}` : ''}`;
  return `${h.action === 'create' ? 'created' : h.action === 'delete' ? 'deleted' : 'changed'} ${s.key}`;
}

export async function handleHistory(c: C) {
  const { db } = c.get('deps');
  const { key } = c.req.valid('param') as { key: string };
  const { asOf } = c.req.valid('query') as { asOf?: string };
  const id = await ciIdEverKeyed(db, key);
  if (id === undefined) return errorJson(c, 404, 'not_found', `no CI ${key}, now or in the history`);
  if (asOf) {
    const at = new Date(asOf);
    const state = await stateAsOf(db, id, at);
    const rel = (r: RelationSnapshot & { id: number }) => ({
      id: r.id, kind: r.kind, from: { key: r.from, type: '', name: r.from }, to: { key: r.to, type: '', name: r.to }, feed: r.feed, port: r.port, phase: r.phase, note: r.note,
    });
    return c.json({ asOf: at.toISOString(), ci: state.ci ? snapshotJson(state.ci) : null, children: state.children.map(snapshotJson), relations: state.relations.map(rel) }, 200);
  }
  const rows = await historyOfCi(db, id);
  return c.json({ items: rows.map((h) => ({ id: h.id, at: h.at.toISOString(), actor: h.actor, source: h.source, entity: h.entity, action: h.action, summary: summaryOf(h), changes: changesOf(h.before, h.after) })) }, 200);
}

export async function handleCiPoints(c: C) {
  const { db } = c.get('deps');
  const { key } = c.req.valid('param') as { key: string };
  const ci = await ciByKey(db, key);
  if (!ci) return errorJson(c, 404, 'not_found', `no CI ${key}`);
  const points = await pointsOfCi(db, ci.id);
  const latest = new Map((await latestSamples(db, points.map((p) => p.pointId))).map((l) => [l.pointId, l]));
  return c.json({ items: points.map((p) => {
    const l = latest.get(p.pointId);
    return { key: p.key, device: p.device, metric: p.metric, unit: p.unit, role: p.role, description: p.description, value: l?.value ?? null, ts: l ? l.ts.toISOString() : null, quality: l?.quality ?? null };
  }) }, 200);
}

/** The CI's id in the current graph, or a 404 response. */
async function graphAndId(c: C, key: string) {
  const graph = await cmdbGraph(c.get('deps').db);
  const id = graph.idOf(key);
  return { graph, id };
}

export async function handlePowerPath(c: C) {
  const { key } = c.req.valid('param') as { key: string };
  const { graph, id } = await graphAndId(c, key);
  if (id === undefined) return errorJson(c, 404, 'not_found', `no CI ${key}`);
  const path = graph.powerPath(id);
  const keyOf = (n: number) => graph.cis.get(n)!.key;
  return c.json({
    root: key,
    // Depth = fewest links from the CI, so the chain reads rack → feed → panel → UPS → … → utility.
    nodes: path.nodes.map((n) => ({ key: n.key, type: n.type, name: n.name, status: n.status, depth: n.depth })),
    edges: path.edges.map((e) => ({ from: keyOf(e.fromId), to: keyOf(e.toId), feed: e.feed, port: e.port })),
    sources: path.sources,
  }, 200);
}

export async function handleImpact(c: C) {
  const { key } = c.req.valid('param') as { key: string };
  const { graph, id } = await graphAndId(c, key);
  if (id === undefined) return errorJson(c, 404, 'not_found', `no CI ${key}`);
  const affected = graph.impact(id);
  const counts = Object.fromEntries(EFFECTS.map((e) => [e, 0])) as Record<string, number>;
  for (const a of affected) counts[a.effect]++;
  return c.json({ failed: key, affected, counts }, 200);
}

export async function handleServices(c: C) {
  const { key } = c.req.valid('param') as { key: string };
  const { graph, id } = await graphAndId(c, key);
  if (id === undefined) return errorJson(c, 404, 'not_found', `no CI ${key}`);
  return c.json({ items: graph.dependentServices(id) }, 200);
}

export async function handleCreateRelation(c: C) {
  const { db } = c.get('deps');
  const body = c.req.valid('json') as Record<string, unknown>;
  try {
    await applyPlan(db, { source: 'api', models: [], cis: [], relations: [body as any] }, { actor: actorOf(c), mode: 'all-or-nothing' });
  } catch (err) { return cmdbError(c, err); }
  const rows = await db.query<{ id: number }>(
    `select r.id from ci_relations r join cis f on f.id = r.from_id join cis t on t.id = r.to_id
      where r.kind = $1 and f.key = $2 and t.key = $3 and coalesce(r.port, '') = coalesce($4::text, '')`,
    [body.kind, body.from, body.to, body.port ?? null]);
  return c.json({ relation: relationJson((await relationById(db, Number(rows[0].id)))!) }, 201);
}

export async function handleDeleteRelation(c: C) {
  const { db } = c.get('deps');
  const { id } = c.req.valid('param') as { id: number };
  try { await deleteRelation(db, id, { actor: actorOf(c) }); } catch (err) { return cmdbError(c, err); }
  return c.body(null, 204);
}

export async function handleListModels(c: C) {
  const { db } = c.get('deps');
  const { type } = c.req.valid('query') as { type?: string };
  return c.json({ items: (await listModels(db, { type })).map(({ id: _id, ...m }) => m) }, 200);
}

export async function handlePutModel(c: C) {
  const { db } = c.get('deps');
  const body = c.req.valid('json') as Record<string, unknown>;
  try {
    await applyPlan(db, { source: 'api', models: [body as any], cis: [], relations: [] }, { actor: actorOf(c), mode: 'all-or-nothing' });
  } catch (err) { return cmdbError(c, err); }
  const model = (await listModels(db)).find((m) => m.key === body.key)!;
  const { id: _id, ...view } = model;
  return c.json({ model: view }, 200);
}

interface TreeNode { key: string; type: string; name: string; status: string; devices: number; children: TreeNode[] }

export async function handleTree(c: C) {
  const { db } = c.get('deps');
  const rows = await locationRows(db, LOCATION_TYPES);
  const nodes = new Map<number, TreeNode>(rows.map((r) => [r.id, { key: r.key, type: r.type, name: r.name, status: r.status, devices: r.children, children: [] }]));
  const roots: TreeNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId !== null ? nodes.get(r.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return c.json({ items: roots }, 200);
}

/** Plan issues → the row/field errors importers report (row numbers as the importer counts them). */
export function planIssuesAsRows(issues: PlanIssue[]): ImportRowError[] {
  return issues.map((i) => ({ collection: i.collection, row: i.index + 1, ref: i.ref, field: i.path, message: i.message }));
}

export function importJson(result: ApplyResult, dryRun: boolean, parseErrors: ImportRowError[], extra: Record<string, unknown> = {}) {
  return {
    ...extra,
    dryRun, created: result.created, updated: result.updated, unchanged: result.unchanged, relationsCreated: result.relationsCreated,
    relationsUpdated: result.relationsUpdated, modelsChanged: result.modelsChanged, errors: [...parseErrors, ...planIssuesAsRows(result.issues)],
  };
}

export async function runImport(c: C, plan: ImportPlan, parseErrors: ImportRowError[], extra: Record<string, unknown> = {}) {
  const { db } = c.get('deps');
  const dryRun = (c.req.valid('query') as { dryRun?: string }).dryRun === 'true';
  const result = await applyPlan(db, plan, { actor: actorOf(c), mode: 'skip-invalid', dryRun });
  return c.json(importJson(result, dryRun, parseErrors, extra), 200);
}

export async function handleImportNetbox(c: C) {
  const body = c.req.valid('json') as NetboxExport;
  const { plan, errors, warnings, summary } = importNetbox(body);
  // NetBox knows nothing of Kiban's collector-device links or the attributes only Kiban keeps (floor grid, kW budgets).
  return runImport(c, { ...plan, source: 'import:netbox', keep: ['devices'], mergeAttributes: true }, errors, { warnings, summary });
}

export async function handleImportCsv(c: C) {
  const { type } = c.req.valid('query') as { type: CiType };
  const text = await c.req.text();
  const { plan, errors } = importCsv(type, text);
  // The CSV format carries every field but links.
  return runImport(c, { ...plan, source: 'import:csv', keep: ['links'] }, errors);
}

export async function handleExportCsv(c: C) {
  const { db } = c.get('deps');
  const { type } = c.req.valid('query') as { type: CiType };
  const rows: CiView[] = [];
  for (let after: string | undefined; ;) {
    const page = await listCis(db, { type: [type], after, limit: 5000 });
    rows.push(...page);
    if (page.length < 5000) break;
    after = page[page.length - 1].key;
  }
  const csv = exportCsv(type, rows.map((r) => snapshotToInput({ ...r, model: r.model?.key ?? null })));
  return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="kiban-${type}.csv"` });
}

export async function handleImportPlan(c: C) {
  const body = c.req.valid('json') as { models: unknown[]; cis: unknown[]; relations: unknown[] };
  return runImport(c, { source: 'import:json', models: body.models as any, cis: body.cis as any, relations: body.relations as any }, []);
}

export async function handleAudit(c: C) {
  const { db } = c.get('deps');
  const rows = await auditRows(db, OUTLET_POWER_METRIC_SQL_REGEX);
  const outletPowerW = new Map<string, Map<number, number>>();
  for (const p of rows.outletPower) {
    const outlet = outletOfMetric(p.metric);
    if (outlet === undefined) continue;
    const m = outletPowerW.get(p.device) ?? new Map<number, number>();
    m.set(outlet, p.value);
    outletPowerW.set(p.device, m);
  }
  const checkedAt = new Date();
  const items = auditConfiguration({ cis: rows.cis, outletLinks: rows.outletLinks, devices: rows.devices, outletPowerW, pduDevices: rows.pduDevices }, { now: checkedAt });
  return c.json({ checkedAt: checkedAt.toISOString(), items }, 200);
}
