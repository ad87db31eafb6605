/**
 * The one write path of the CMDB. API edits, CSV and NetBox imports and the demo site all become an
 * ImportPlan that is validated against the CMDB as it is (plus the rest of the plan) and written in one
 * transaction together with its history. No SQL here: db/queries/cmdb.ts does the reading and writing.
 */
import type { Db, Queryable } from '../../../db/client.ts';
import {
  analyzeCmdb, ciHeads, ciSnapshotsByKey, deleteCis, deleteRelations, deviceOwners, lockCmdb, modelsByKey, rackOccupants, relationEdges,
  relationIdsFor, relationIdsOfCis, relationPath, relationSnapshotsById, upsertCis, upsertModels, upsertRelations, writeHistory,
  type CiSnapshot, type CiWrite, type HistoryWrite, type RackOccupant,
} from '../../../db/queries/cmdb.ts';
import {
  ciInput, ciModelInput, relationInput, type CiFields, type CiModelFields, type CiType, type ImportPlan,
  type RelationFields, type RelationKind,
} from './types.ts';
import {
  checkAttributes, checkLocationCycle, checkParent, checkRackPlacement, checkRelationTypes, cycleIssue, findPath, type CmdbIssue,
} from './validate.ts';

export interface PlanIssue extends CmdbIssue {
  collection: 'models' | 'cis' | 'relations';
  /** 0-based index in the plan's collection. */
  index: number;
  /** The CI key, model key, or `kind from → to` of the rejected item. */
  ref: string;
}

/** Refused as a whole (API edits): 422 with every issue. */
export class CmdbValidationError extends Error {
  constructor(readonly issues: PlanIssue[]) {
    super(issues.map((i) => i.message).slice(0, 5).join('; ') + (issues.length > 5 ? `; and ${issues.length - 5} more` : ''));
    this.name = 'CmdbValidationError';
  }
}

/** A write that conflicts with the current state (stale version, CI still holds others): 409. */
export class CmdbConflictError extends Error {
  constructor(readonly code: string, message: string) { super(message); this.name = 'CmdbConflictError'; }
}

export class CmdbNotFoundError extends Error {
  constructor(message: string) { super(message); this.name = 'CmdbNotFoundError'; }
}

export interface ApplyOptions {
  actor: string;
  /** `all-or-nothing` (API edits): any issue refuses the plan. `skip-invalid` (imports): bad items are left out and reported. */
  mode: 'all-or-nothing' | 'skip-invalid';
  dryRun?: boolean;
  /** CIs that must already exist (update) or must not (create); unset = either. */
  expect?: 'create' | 'update';
  /** Optimistic concurrency for a single-CI update. */
  expectedVersion?: { key: string; version: number };
}

export interface ApplyResult {
  created: number; updated: number; unchanged: number;
  relationsCreated: number; relationsUpdated: number;
  modelsChanged: number;
  issues: PlanIssue[];
  /** History entries written (0 on a dry run or when nothing changed). */
  changes: number;
}

const CYCLE_KINDS: RelationKind[] = ['powered_by', 'cooled_by', 'depends_on', 'part_of'];

export async function applyPlan(db: Db, plan: ImportPlan, opts: ApplyOptions): Promise<ApplyResult> {
  return db.atomic(async (q) => {
    await lockCmdb(q, db.kind);
    return applyPlanIn(q, plan, opts);
  });
}

async function applyPlanIn(q: Queryable, plan: ImportPlan, opts: ApplyOptions): Promise<ApplyResult> {
  const issues: PlanIssue[] = [];
  if ((plan.keep?.length || plan.mergeAttributes) && plan.cis.length > 0) plan = await withKeptFields(q, plan);

  // ---- shape: each item through its schema
  const models: Array<{ index: number; value: CiModelFields }> = [];
  plan.models.forEach((raw, index) => {
    const r = ciModelInput.safeParse(raw);
    if (r.success) models.push({ index, value: r.data });
    else for (const i of r.error.issues) issues.push({ collection: 'models', index, ref: String((raw as any)?.key ?? index), path: i.path.join('.'), code: 'invalid', message: `${i.path.join('.') || 'model'}: ${i.message}` });
  });
  let cis: Array<{ index: number; value: CiFields }> = [];
  const seenKeys = new Set<string>();
  plan.cis.forEach((raw, index) => {
    const r = ciInput.safeParse(raw);
    const ref = String((raw as any)?.key ?? `#${index + 1}`);
    if (!r.success) {
      for (const i of r.error.issues) issues.push({ collection: 'cis', index, ref, path: i.path.join('.'), code: 'invalid', message: `${ref}: ${i.path.join('.') || 'CI'}: ${i.message}` });
      return;
    }
    if (seenKeys.has(r.data.key)) { issues.push({ collection: 'cis', index, ref, path: 'key', code: 'duplicate_key', message: `${ref} appears more than once in this import` }); return; }
    seenKeys.add(r.data.key);
    const attrs = checkAttributes(r.data.type, r.data.attributes);
    if (attrs.issues.length > 0) { for (const i of attrs.issues) issues.push({ ...i, collection: 'cis', index, ref, message: `${ref}: ${i.message}` }); return; }
    cis.push({ index, value: { ...r.data, attributes: attrs.value } });
  });
  let relations: Array<{ index: number; value: RelationFields }> = [];
  plan.relations.forEach((raw, index) => {
    const r = relationInput.safeParse(raw);
    const ref = `${(raw as any)?.kind ?? '?'} ${(raw as any)?.from ?? '?'} → ${(raw as any)?.to ?? '?'}`;
    if (r.success) relations.push({ index, value: r.data });
    else for (const i of r.error.issues) issues.push({ collection: 'relations', index, ref, path: i.path.join('.'), code: 'invalid', message: `${ref}: ${i.path.join('.') || 'relation'}: ${i.message}` });
  });

  // ---- what the CMDB holds already
  const referencedKeys = new Set<string>();
  for (const c of cis) { referencedKeys.add(c.value.key); if (c.value.parent) referencedKeys.add(c.value.parent); }
  for (const r of relations) { referencedKeys.add(r.value.from); referencedKeys.add(r.value.to); }
  const existing = await ciHeads(q, [...referencedKeys]);
  // Location chains of existing CIs, fetched level by level (for the cycle check of moved CIs).
  const parentOfExisting = new Map<string, string | null>();
  for (const [k, h] of existing) parentOfExisting.set(k, h.parent);
  for (let level = 0, frontier = [...existing.values()].map((h) => h.parent).filter((p): p is string => !!p); level < 64 && frontier.length > 0; level++) {
    const missing = [...new Set(frontier.filter((k) => !parentOfExisting.has(k)))];
    if (missing.length === 0) break;
    const more = await ciHeads(q, missing);
    for (const [k, h] of more) { parentOfExisting.set(k, h.parent); existing.set(k, h); }
    for (const k of missing) if (!more.has(k)) parentOfExisting.set(k, null);
    frontier = [...more.values()].map((h) => h.parent).filter((p): p is string => !!p);
  }
  const modelKeys = new Set<string>(cis.map((c) => c.value.model).filter((m): m is string => !!m));
  const dbModels = await modelsByKey(q, [...modelKeys]);
  const planModels = new Map(models.map((m) => [m.value.key, m.value]));
  const modelFacts = (key: string | undefined) => (key ? planModels.get(key) ?? dbModels.get(key) : undefined);

  if (opts.expect === 'create') {
    for (const c of cis) if (existing.has(c.value.key)) issues.push({ collection: 'cis', index: c.index, ref: c.value.key, path: 'key', code: 'exists', message: `a CI with key ${c.value.key} already exists` });
  }
  if (opts.expectedVersion) {
    const snap = (await ciSnapshotsByKey(q, [opts.expectedVersion.key])).get(opts.expectedVersion.key);
    if (!snap) throw new CmdbNotFoundError(`no CI ${opts.expectedVersion.key}`);
    if (snap.snap.version !== opts.expectedVersion.version) {
      throw new CmdbConflictError('stale_version', `${opts.expectedVersion.key} was changed by someone else (now version ${snap.snap.version}, you edited version ${opts.expectedVersion.version}); reload and apply your change again`);
    }
  }

  // ---- per-CI rules; in skip-invalid mode, repeat until no remaining CI depends on a dropped one
  const rackKeys = new Set<string>();
  const typeOfKey = (key: string): string | undefined => planCis.get(key)?.type ?? existing.get(key)?.type;
  let planCis = new Map(cis.map((c) => [c.value.key, c.value]));
  for (const c of cis) if (c.value.parent && typeOfKey(c.value.parent) === 'rack') rackKeys.add(c.value.parent);
  const occupants = await rackOccupants(q, [...rackKeys]);
  const owners = await deviceOwners(q, cis.flatMap((c) => c.value.devices));

  for (let round = 0; round < 64; round++) {
    const bad = new Set<number>();
    const report = (c: { index: number; value: CiFields }, list: CmdbIssue[]) => {
      for (const i of list) issues.push({ ...i, collection: 'cis', index: c.index, ref: c.value.key, message: i.message.startsWith(c.value.key) ? i.message : `${c.value.key}: ${i.message}` });
      if (list.length > 0) bad.add(c.index);
    };
    const parentOf = (key: string) => (planCis.has(key) ? planCis.get(key)!.parent ?? null : parentOfExisting.get(key) ?? null);
    const planByParent = new Map<string, CiFields[]>();
    for (const c of planCis.values()) if (c.parent) { const l = planByParent.get(c.parent) ?? []; l.push(c); planByParent.set(c.parent, l); }
    const contentsCache = new Map<string, ReturnType<typeof rackContents>>();
    const devicesClaimed = new Map<string, string>();
    for (const c of cis) {
      const ci = c.value;
      const list: CmdbIssue[] = [];
      const model = modelFacts(ci.model);
      if (ci.model && !model) list.push({ path: 'model', code: 'unknown_model', message: `unknown model '${ci.model}': add it to the model library first (POST /api/v1/ci-models)` });
      else if (model && model.type !== ci.type && !(isIt(model.type) && isIt(ci.type))) list.push({ path: 'model', code: 'model_type', message: `model '${ci.model}' is a ${model.type}, not a ${ci.type}` });
      const parentType = ci.parent ? typeOfKey(ci.parent) : undefined;
      if (ci.parent && !parentType) list.push({ path: 'parent', code: 'unknown_parent', message: `parent ${ci.parent} does not exist` });
      else list.push(...checkParent(ci.key, ci.type, ci.parent ? { key: ci.parent, type: parentType! } : null));
      list.push(...checkLocationCycle(ci.key, ci.parent, parentOf));
      if (ci.positionU !== undefined && parentType !== 'rack') list.push({ path: 'positionU', code: 'not_in_rack', message: `a U position needs a rack as parent${ci.parent ? `; ${ci.parent} is a ${parentType ?? 'missing CI'}` : ''}` });
      if (parentType === 'rack' && ci.parent) {
        const rackAttrs = planCis.get(ci.parent)?.attributes ?? existing.get(ci.parent)?.attributes ?? {};
        const uHeight = Number(rackAttrs.uHeight ?? 42);
        const maxWeightKg = rackAttrs.maxWeightKg === undefined ? undefined : Number(rackAttrs.maxWeightKg);
        let others = contentsCache.get(ci.parent);
        if (!others) { others = rackContents(ci.parent, planCis, planByParent.get(ci.parent) ?? [], occupants, modelFacts); contentsCache.set(ci.parent, others); }
        list.push(...checkRackPlacement(
          { key: ci.key, type: ci.type, positionU: ci.positionU ?? null, face: ci.face ?? null, uHeight: model?.uHeight ?? (isIt(ci.type) ? 1 : 0), weightKg: model?.weightKg ?? null },
          { key: ci.parent, uHeight, maxWeightKg }, others,
        ));
      }
      for (const d of ci.devices) {
        const owner = owners.get(d);
        const claimedBy = devicesClaimed.get(d);
        if (owner && owner !== ci.key && !(planCis.has(owner) && !planCis.get(owner)!.devices.includes(d))) list.push({ path: 'devices', code: 'device_taken', message: `collector device ${d} already belongs to CI ${owner}` });
        else if (claimedBy && claimedBy !== ci.key) list.push({ path: 'devices', code: 'device_taken', message: `collector device ${d} is also claimed by ${claimedBy} in this import` });
        devicesClaimed.set(d, ci.key);
      }
      report(c, list);
    }
    if (bad.size === 0) break;
    if (opts.mode === 'all-or-nothing') break;
    cis = cis.filter((c) => !bad.has(c.index));
    planCis = new Map(cis.map((c) => [c.value.key, c.value]));
    // A CI whose parent was dropped is checked again next round: its parent no longer resolves.
  }

  // ---- relations
  const relIssue = (r: { index: number; value: RelationFields }, list: CmdbIssue[]) => {
    for (const i of list) issues.push({ ...i, collection: 'relations', index: r.index, ref: `${r.value.kind} ${r.value.from} → ${r.value.to}`, message: i.message });
    return list.length > 0;
  };
  const okRelations: typeof relations = [];
  for (const r of relations) {
    const fromType = typeOfKey(r.value.from);
    const toType = typeOfKey(r.value.to);
    const list: CmdbIssue[] = [];
    if (!fromType) list.push({ path: 'from', code: 'unknown_ci', message: `${r.value.kind}: no CI ${r.value.from}` });
    if (!toType) list.push({ path: 'to', code: 'unknown_ci', message: `${r.value.kind}: no CI ${r.value.to}` });
    if (fromType && toType) list.push(...checkRelationTypes(r.value.kind, { key: r.value.from, type: fromType }, { key: r.value.to, type: toType }));
    if (r.value.feed && r.value.kind !== 'powered_by') list.push({ path: 'feed', code: 'invalid', message: `feed A/B applies to powered_by only, not ${r.value.kind}` });
    if (!relIssue(r, list)) okRelations.push(r);
  }
  relations = okRelations;
  await checkRelationCycles(q, relations, (r, list) => relIssue(r, list));
  const cycleBad = new Set(issues.filter((i) => i.collection === 'relations' && i.code === 'cycle').map((i) => i.index));
  relations = relations.filter((r) => !cycleBad.has(r.index));

  const result: ApplyResult = { created: 0, updated: 0, unchanged: 0, relationsCreated: 0, relationsUpdated: 0, modelsChanged: 0, issues, changes: 0 };
  if (issues.length > 0 && opts.mode === 'all-or-nothing') throw new CmdbValidationError(issues);
  if (opts.dryRun) {
    for (const c of cis) (existing.has(c.value.key) ? result.updated++ : result.created++);
    result.relationsCreated = relations.length;
    return result;
  }

  // ---- write, with history
  const history: HistoryWrite[] = [];
  const modelChanges = await upsertModels(q, models.map((m) => m.value));
  for (const m of modelChanges) history.push({ entity: 'model', entityId: m.id, ciId: null, otherCiId: null, action: m.before ? 'update' : 'create', before: m.before, after: m.after });
  result.modelsChanged = modelChanges.length;

  const allModelIds = await modelsByKey(q, [...new Set(cis.map((c) => c.value.model).filter((m): m is string => !!m))]);
  const keys = cis.map((c) => c.value.key);
  const before = await ciSnapshotsByKey(q, keys);
  await upsertCis(q, cis.map((c): CiWrite => ({ ...c.value, modelId: c.value.model ? allModelIds.get(c.value.model)!.id : null })), opts.actor);
  const after = await ciSnapshotsByKey(q, keys);
  for (const key of keys) {
    const a = after.get(key)!;
    const b = before.get(key);
    if (!b) { result.created++; history.push({ entity: 'ci', entityId: a.id, ciId: a.id, otherCiId: null, action: 'create', before: null, after: a.snap }); }
    else if (JSON.stringify(b.snap) !== JSON.stringify(a.snap)) { result.updated++; history.push({ entity: 'ci', entityId: a.id, ciId: a.id, otherCiId: null, action: 'update', before: b.snap, after: a.snap }); }
    else result.unchanged++;
  }

  // A bulk write leaves the planner's statistics describing the tables before it; refresh them.
  if (cis.length > 1000) await analyzeCmdb(q);
  const relWrites = relations.map((r) => r.value);
  const relBefore = await relationSnapshotsById(q, await relationIdsFor(q, relWrites));
  // Only rows inserted or changed come back; unchanged relations need no history.
  const relIds = await upsertRelations(q, relWrites, opts.actor);
  if (relations.length > 1000) await analyzeCmdb(q);
  const relAfter = await relationSnapshotsById(q, relIds);
  for (const [id, a] of relAfter) {
    const b = relBefore.get(id);
    if (!b) { result.relationsCreated++; history.push({ entity: 'relation', entityId: id, ciId: a.fromId, otherCiId: a.toId, action: 'create', before: null, after: a }); }
    else if (JSON.stringify(b) !== JSON.stringify(a)) { result.relationsUpdated++; history.push({ entity: 'relation', entityId: id, ciId: a.fromId, otherCiId: a.toId, action: 'update', before: b, after: a }); }
  }
  await writeHistory(q, history, opts.actor, plan.source);
  result.changes = history.length;
  return result;
}

/** Fills in, from the stored CIs, the fields the plan's source does not carry. */
async function withKeptFields(q: Queryable, plan: ImportPlan): Promise<ImportPlan> {
  const keys = plan.cis.map((c) => (c as any)?.key).filter((k): k is string => typeof k === 'string');
  const stored = await ciSnapshotsByKey(q, keys);
  return {
    ...plan,
    cis: plan.cis.map((raw) => {
      const current = stored.get((raw as any)?.key)?.snap;
      if (!current || typeof raw !== 'object' || raw === null) return raw;
      const out: Record<string, unknown> = { ...raw };
      for (const field of plan.keep ?? []) out[field] = current[field] ?? undefined;
      if (plan.mergeAttributes) out.attributes = { ...current.attributes, ...((raw as any).attributes ?? {}) };
      return out as typeof raw;
    }),
  };
}

const isIt = (type: string) => type === 'server' || type === 'switch' || type === 'storage';

/** A rack's occupants after the plan: the stored ones that the plan does not move, plus the plan's CIs placed in it. */
function rackContents(rack: string, planCis: Map<string, CiFields>, inRack: CiFields[], occupants: Map<string, RackOccupant[]>, modelFacts: (key: string | undefined) => { uHeight?: number | null; weightKg?: number | null } | undefined) {
  const out: Array<{ key: string; positionU: number | null; face: string | null; uHeight: number | null; weightKg: number | null }> = [];
  for (const o of occupants.get(rack) ?? []) if (!planCis.has(o.key)) out.push({ ...o, uHeight: o.uHeight ?? (isIt(o.type) ? 1 : 0) });
  for (const c of inRack) {
    const m = modelFacts(c.model);
    out.push({ key: c.key, positionU: c.positionU ?? null, face: c.face ?? null, uHeight: m?.uHeight ?? (isIt(c.type) ? 1 : 0), weightKg: m?.weightKg ?? null });
  }
  return out;
}

/**
 * Refuses relations that would close a cycle: few new edges are checked one by one in SQL; a bulk import is
 * checked in memory against the whole graph of each kind (one depth-first search).
 */
async function checkRelationCycles(q: Queryable, relations: Array<{ index: number; value: RelationFields }>, report: (r: { index: number; value: RelationFields }, list: CmdbIssue[]) => void) {
  const cyclic = relations.filter((r) => CYCLE_KINDS.includes(r.value.kind));
  if (cyclic.length === 0) return;
  if (cyclic.length <= 20) {
    const accepted: Array<{ kind: string; from: string; to: string }> = [];
    for (const r of cyclic) {
      // Edges accepted earlier in this same plan count too.
      const back = await relationPath(q, r.value.kind, r.value.to, r.value.from)
        ?? pathInMemory(accepted.filter((e) => e.kind === r.value.kind), r.value.to, r.value.from);
      if (back) report(r, cycleIssue(r.value.kind, r.value.from, r.value.to, back));
      else accepted.push({ kind: r.value.kind, from: r.value.from, to: r.value.to });
    }
    return;
  }
  const stored = await relationEdges(q, CYCLE_KINDS);
  for (const kind of CYCLE_KINDS) {
    const graph = new Map<string, string[]>();
    const add = (from: string, to: string) => { const l = graph.get(from) ?? []; l.push(to); graph.set(from, l); };
    for (const e of stored) if (e.kind === kind) add(e.from, e.to);
    for (const r of cyclic) {
      if (r.value.kind !== kind) continue;
      const back = findPath(graph, r.value.to, r.value.from);
      if (back) report(r, cycleIssue(kind, r.value.from, r.value.to, back));
      else add(r.value.from, r.value.to);
    }
  }
}

function pathInMemory(edges: Array<{ from: string; to: string }>, start: string, goal: string): string[] | undefined {
  const graph = new Map<string, string[]>();
  for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  return findPath(graph, start, goal);
}

// ---------------------------------------------------------------- single edits

/** A stored CI as the input that would recreate it (for PATCH: merge, then apply). */
export function snapshotToInput(s: CiSnapshot): CiFields {
  const drop = <T>(v: T | null | undefined) => (v === null ? undefined : v);
  return {
    key: s.key, type: s.type as CiType, name: s.name, status: s.status as CiFields['status'], description: drop(s.description),
    model: drop(s.model), serial: drop(s.serial), assetTag: drop(s.assetTag), owner: drop(s.owner), installDate: drop(s.installDate),
    warrantyEnd: drop(s.warrantyEnd), supportEnd: drop(s.supportEnd), maintenanceContract: drop(s.maintenanceContract),
    maintenanceVendor: drop(s.maintenanceVendor), parent: drop(s.parent), positionU: drop(s.positionU), face: drop(s.face),
    devices: s.devices, attributes: s.attributes, tags: s.tags, links: s.links,
  };
}

export async function updateCi(db: Db, key: string, patch: Record<string, unknown>, opts: { actor: string; version?: number; source?: string }): Promise<ApplyResult> {
  return db.atomic(async (q) => {
    await lockCmdb(q, db.kind);
    const current = (await ciSnapshotsByKey(q, [key])).get(key);
    if (!current) throw new CmdbNotFoundError(`no CI ${key}`);
    // `null` clears a field.
    const merged: Record<string, unknown> = { ...snapshotToInput(current.snap) };
    for (const [k, v] of Object.entries(patch)) { if (v === null) delete merged[k]; else merged[k] = v; }
    return applyPlanIn(q, { source: opts.source ?? 'api', models: [], cis: [merged as CiFields], relations: [] }, {
      actor: opts.actor, mode: 'all-or-nothing', expect: 'update',
      ...(opts.version !== undefined ? { expectedVersion: { key, version: opts.version } } : {}),
    });
  });
}

/** Deletes a CI and the relations touching it (each recorded in the history). A CI that still holds others is refused. */
export async function deleteCi(db: Db, key: string, opts: { actor: string; source?: string }): Promise<void> {
  await db.atomic(async (q) => {
    await lockCmdb(q, db.kind);
    const current = (await ciSnapshotsByKey(q, [key])).get(key);
    if (!current) throw new CmdbNotFoundError(`no CI ${key}`);
    const children = await q.query<{ key: string }>(`select key from cis where parent_id = $1 order by key limit 4`, [current.id]);
    if (children.length > 0) {
      throw new CmdbConflictError('has_children', `${key} still contains ${children.map((c) => c.key).slice(0, 3).join(', ')}${children.length > 3 ? ' and more' : ''}; move or delete them first`);
    }
    const relIds = await relationIdsOfCis(q, [current.id]);
    const rels = await relationSnapshotsById(q, relIds);
    await deleteCis(q, [current.id]);
    const history: HistoryWrite[] = [...rels].map(([id, r]) => ({ entity: 'relation' as const, entityId: id, ciId: r.fromId, otherCiId: r.toId, action: 'delete' as const, before: r, after: null }));
    history.push({ entity: 'ci', entityId: current.id, ciId: current.id, otherCiId: null, action: 'delete', before: current.snap, after: null });
    await writeHistory(q, history, opts.actor, opts.source ?? 'api');
  });
}

export async function deleteRelation(db: Db, id: number, opts: { actor: string; source?: string }): Promise<void> {
  await db.atomic(async (q) => {
    await lockCmdb(q, db.kind);
    const snap = (await relationSnapshotsById(q, [id])).get(id);
    if (!snap) throw new CmdbNotFoundError(`no relation ${id}`);
    await deleteRelations(q, [id]);
    await writeHistory(q, [{ entity: 'relation', entityId: id, ciId: snap.fromId, otherCiId: snap.toId, action: 'delete', before: snap, after: null }], opts.actor, opts.source ?? 'api');
  });
}

