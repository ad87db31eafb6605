/**
 * The CMDB's relationship graph in memory: CIs with their location parent, and the powered_by, cooled_by,
 * depends_on and part_of edges, indexed both ways. A 2,000-rack site is ~35,000 CIs and ~65,000 edges (a few
 * MB); answering power paths and impact from memory takes milliseconds where moving the subgraph out of SQL
 * takes a second. The graph follows the database through the CMDB history (every write records one entry),
 * so it is kept current by replaying the entries after the last one it saw — see graph-cache.ts.
 */
import type { ImportPlan } from './types.ts';
import { IMPACT_EFFECTS, type ImpactEffect } from './vocabulary.ts';
export interface GraphCi { id: number; key: string; type: string; name: string; status: string; parentId: number | null }
export interface GraphRelation { id: number; kind: string; fromId: number; toId: number; feed: string | null; port: string | null }

export type Effect = ImpactEffect;
export const EFFECTS: readonly Effect[] = IMPACT_EFFECTS;
export interface Affected { key: string; type: string; name: string; effect: Effect; /** the supplier or container that passed it on */ via: string }

const SUPPLY_KINDS = new Set(['powered_by', 'cooled_by', 'depends_on', 'part_of']);

/** ok < degraded < down */
type Level = 0 | 1 | 2;

export class CmdbGraph {
  /**
   * The graph an import plan describes, without a database (ids numbered in plan order): the reference the
   * answers over the database are checked against in tests and in `kiban bench cmdb`.
   */
  static fromPlan(plan: Pick<ImportPlan, 'cis' | 'relations'>): CmdbGraph {
    const graph = new CmdbGraph();
    const ids = new Map(plan.cis.map((c, i) => [c.key, i + 1]));
    plan.cis.forEach((c, i) => graph.upsertCi({ id: i + 1, key: c.key, type: c.type, name: c.name, status: c.status ?? 'active', parentId: c.parent ? ids.get(c.parent)! : null }));
    plan.relations.forEach((r, i) => graph.upsertRelation({ id: i + 1, kind: r.kind, fromId: ids.get(r.from)!, toId: ids.get(r.to)!, feed: r.feed ?? null, port: r.port ?? null }));
    return graph;
  }

  readonly cis = new Map<number, GraphCi>();
  readonly byKey = new Map<string, number>();
  private readonly relations = new Map<number, GraphRelation>();
  /** ci id → relations where it is `from` (its suppliers) / `to` (its dependents). */
  private readonly out = new Map<number, Set<number>>();
  private readonly in = new Map<number, Set<number>>();
  private readonly children = new Map<number, Set<number>>();

  get size() { return { cis: this.cis.size, relations: this.relations.size }; }

  upsertCi(ci: GraphCi): void {
    const old = this.cis.get(ci.id);
    if (old) {
      if (old.key !== ci.key) this.byKey.delete(old.key);
      if (old.parentId !== null) this.children.get(old.parentId)?.delete(ci.id);
    }
    this.cis.set(ci.id, ci);
    this.byKey.set(ci.key, ci.id);
    if (ci.parentId !== null) setOf(this.children, ci.parentId).add(ci.id);
  }

  deleteCi(id: number): void {
    const old = this.cis.get(id);
    if (!old) return;
    this.cis.delete(id);
    if (this.byKey.get(old.key) === id) this.byKey.delete(old.key);
    if (old.parentId !== null) this.children.get(old.parentId)?.delete(id);
    for (const r of [...(this.out.get(id) ?? []), ...(this.in.get(id) ?? [])]) this.deleteRelation(r);
  }

  upsertRelation(r: GraphRelation): void {
    if (!SUPPLY_KINDS.has(r.kind)) return;
    this.deleteRelation(r.id);
    this.relations.set(r.id, r);
    setOf(this.out, r.fromId).add(r.id);
    setOf(this.in, r.toId).add(r.id);
  }

  deleteRelation(id: number): void {
    const r = this.relations.get(id);
    if (!r) return;
    this.relations.delete(id);
    this.out.get(r.fromId)?.delete(id);
    this.in.get(r.toId)?.delete(id);
  }

  idOf(key: string): number | undefined { return this.byKey.get(key); }

  /** Ties are broken by key, so an answer does not depend on the order relations were stored in. */
  private before(a: number, b: number | undefined): boolean {
    return b === undefined || byCodePoint(this.cis.get(a)?.key ?? '', this.cis.get(b)?.key ?? '') < 0;
  }

  private suppliersOf(id: number, kind: string): GraphRelation[] {
    const list: GraphRelation[] = [];
    for (const rid of this.out.get(id) ?? []) { const r = this.relations.get(rid)!; if (r.kind === kind) list.push(r); }
    return list;
  }

  /** Everything upstream along powered_by, with the links between them: the power path up to the sources. */
  powerPath(id: number): { nodes: Array<GraphCi & { depth: number }>; edges: GraphRelation[]; sources: string[] } {
    const depth = new Map<number, number>([[id, 0]]);
    const edges: GraphRelation[] = [];
    for (let frontier = [id], d = 1; frontier.length > 0; d++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const r of this.suppliersOf(n, 'powered_by')) {
          edges.push(r);
          if (!depth.has(r.toId)) { depth.set(r.toId, d); next.push(r.toId); }
        }
      }
      frontier = next;
    }
    const nodes = [...depth].map(([nid, d]) => ({ ...this.cis.get(nid)!, depth: d })).sort((a, b) => a.depth - b.depth || byCodePoint(a.key, b.key));
    const sources = nodes.filter((n) => n.id !== id && this.suppliersOf(n.id, 'powered_by').length === 0).map((n) => n.key).sort();
    return { nodes, edges, sources };
  }

  /**
   * Services that need this CI: services depending on it, on anything located in it, or on anything it
   * powers or cools — directly or through other services. `via` is the CI the service depends on directly.
   */
  dependentServices(id: number): Array<{ key: string; name: string; status: string; via: string }> {
    // Everything whose running needs this CI: its contents and whatever it supplies, transitively.
    const needs = new Set<number>([id]);
    const queue = [id];
    for (let head = 0; head < queue.length; head++) {
      const n = queue[head];
      for (const c of this.children.get(n) ?? []) if (!needs.has(c)) { needs.add(c); queue.push(c); }
      for (const rid of this.in.get(n) ?? []) {
        const from = this.relations.get(rid)!.fromId;
        if (!needs.has(from)) { needs.add(from); queue.push(from); }
      }
    }
    const out: Array<{ key: string; name: string; status: string; via: string }> = [];
    for (const n of needs) {
      const ci = this.cis.get(n)!;
      if (ci.type !== 'service' || n === id) continue;
      // The dependency of the service that lies on the way (the lowest key, so answers are stable).
      let via: string | undefined;
      for (const r of this.suppliersOf(n, 'depends_on')) {
        const dep = this.cis.get(r.toId)!;
        if (needs.has(r.toId) && (via === undefined || byCodePoint(dep.key, via) < 0)) via = dep.key;
      }
      out.push({ key: ci.key, name: ci.name, status: ci.status, via: via ?? ci.key });
    }
    return out.sort((a, b) => byCodePoint(a.key, b.key));
  }

  /**
   * What losing `failedId` does, with redundancy: a CI loses power when every power supplier is down, and only
   * its redundancy when some are; the same for cooling. A CI without suppliers of a kind inherits its
   * container's state (a server in a rack that lost cooling loses cooling); part_of components fail with the
   * whole; depends_on needs every dependency. A least fixpoint, computed with a worklist from the failure.
   */
  impact(failedId: number): Affected[] {
    interface State { power: Level; cooling: Level; deps: Level; viaPower?: number; viaCooling?: number; viaDeps?: number }
    const state = new Map<number, State>([[failedId, { power: 2, cooling: 2, deps: 2 }]]);
    const OK: State = Object.freeze({ power: 0, cooling: 0, deps: 0 }) as State;
    const get = (id: number): State => state.get(id) ?? OK;
    const overall = (s: State): Level => Math.max(s.power, s.cooling, s.deps) as Level;
    const combine = (rels: GraphRelation[], levelOf: (s: State) => Level): { level: Level; via?: number } => {
      let down = 0;
      let worst: { level: Level; via?: number } = { level: 0 };
      for (const r of rels) {
        const l = levelOf(get(r.toId));
        if (l === 2) down++;
        if (l > worst.level || (l > 0 && l === worst.level && this.before(r.toId, worst.via))) worst = { level: l, via: r.toId };
      }
      if (rels.length > 0 && down === rels.length) return { level: 2, via: worst.via };
      return worst.level > 0 ? { level: 1, via: worst.via } : { level: 0 };
    };
    const evaluate = (id: number): State => {
      const ci = this.cis.get(id)!;
      const next: State = { power: 0, cooling: 0, deps: 0 };
      const container = ci.parentId !== null ? state.get(ci.parentId) : undefined;
      const power = this.suppliersOf(id, 'powered_by');
      // Losing a place (a rack, a row, a room) loses what is in it, whatever feeds it.
      if (ci.parentId === failedId) { next.power = 2; next.viaPower = failedId; }
      else if (power.length > 0) { const p = combine(power, (s) => s.power); next.power = p.level; next.viaPower = p.via; }
      else if (container && container.power > 0) { next.power = container.power; next.viaPower = ci.parentId!; }
      for (const r of this.suppliersOf(id, 'part_of')) {
        const w = overall(get(r.toId));
        if (w > next.power || (w > 0 && w === next.power && this.before(r.toId, next.viaPower))) { next.power = w; next.viaPower = r.toId; }
      }
      const cooling = this.suppliersOf(id, 'cooled_by');
      if (cooling.length > 0) { const c = combine(cooling, (s) => Math.max(s.power, s.cooling) as Level); next.cooling = c.level; next.viaCooling = c.via; }
      else if (container && container.cooling > 0) { next.cooling = container.cooling; next.viaCooling = ci.parentId!; }
      for (const r of this.suppliersOf(id, 'depends_on')) {
        const d = overall(get(r.toId));
        if (d > next.deps || (d > 0 && d === next.deps && this.before(r.toId, next.viaDeps))) { next.deps = d; next.viaDeps = r.toId; }
      }
      return next;
    };
    // Dependents of a CI: whatever it supplies, and what it contains.
    const dependents = (id: number): number[] => {
      const list: number[] = [];
      for (const rid of this.in.get(id) ?? []) list.push(this.relations.get(rid)!.fromId);
      for (const c of this.children.get(id) ?? []) list.push(c);
      return list;
    };
    const queue = dependents(failedId);
    const queued = new Set(queue);
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head];
      queued.delete(id);
      if (id === failedId || !this.cis.has(id)) continue;
      const before = get(id);
      const next = evaluate(id);
      // Monotone: a level never goes back down within one evaluation (keeps cycles through containers finite).
      const merged: State = {
        power: Math.max(before.power, next.power) as Level, cooling: Math.max(before.cooling, next.cooling) as Level, deps: Math.max(before.deps, next.deps) as Level,
        viaPower: next.power >= before.power && next.power > 0 ? next.viaPower : before.viaPower,
        viaCooling: next.cooling >= before.cooling && next.cooling > 0 ? next.viaCooling : before.viaCooling,
        viaDeps: next.deps >= before.deps && next.deps > 0 ? next.viaDeps : before.viaDeps,
      };
      if (merged.power === before.power && merged.cooling === before.cooling && merged.deps === before.deps && state.has(id)) continue;
      if (overall(merged) === 0) continue;
      state.set(id, merged);
      for (const d of dependents(id)) if (!queued.has(d)) { queued.add(d); queue.push(d); }
    }

    const out: Affected[] = [];
    const keyOf = (id: number | undefined) => (id === undefined ? '' : this.cis.get(id)?.key ?? String(id));
    for (const [id, s] of state) {
      if (id === failedId || overall(s) === 0) continue;
      const ci = this.cis.get(id)!;
      let effect: Effect;
      let via: number | undefined;
      if (ci.type === 'service') { effect = overall(s) === 2 ? 'service_down' : 'service_degraded'; via = s.deps > 0 ? s.viaDeps : s.power > 0 ? s.viaPower : s.viaCooling; }
      else if (s.power === 2) { effect = 'loses_power'; via = s.viaPower; }
      else if (s.cooling === 2) { effect = 'loses_cooling'; via = s.viaCooling; }
      else if (s.deps === 2) { effect = 'service_down'; via = s.viaDeps; }
      else if (s.power === 1) { effect = 'loses_redundancy'; via = s.viaPower; }
      else if (s.cooling === 1) { effect = 'cooling_degraded'; via = s.viaCooling; }
      else { effect = 'service_degraded'; via = s.viaDeps; }
      out.push({ key: ci.key, type: ci.type, name: ci.name, effect, via: keyOf(via) });
    }
    const rank = (e: Effect) => EFFECTS.indexOf(e);
    return out.sort((a, b) => rank(a.effect) - rank(b.effect) || byCodePoint(a.key, b.key));
  }
}

/** Keys are ASCII identifiers: code-point order is their natural order, and ~50× cheaper than localeCompare. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) { set = new Set(); map.set(key, set); }
  return set;
}
