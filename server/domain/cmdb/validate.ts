/**
 * The rules a configuration must obey, as pure functions over small inputs: where a CI may be located, whether
 * a device fits its rack (U span, collisions, weight), whether a relationship is possible, and whether it
 * would close a cycle. Each problem is a `CmdbIssue` naming the field and saying what is wrong in words a
 * facility person understands.
 */
import {
  ALLOWED_PARENTS, CI_ATTRIBUTE_SCHEMAS, RELATION_RULES, type CiType, type RelationKind,
} from './types.ts';

export interface CmdbIssue {
  /** Field path, e.g. `positionU`, `attributes.uHeight`, `to`. */
  path: string;
  /** Stable machine code: `u_collision`, `too_heavy`, `cycle`, `unknown_model`, … */
  code: string;
  message: string;
}

const issue = (path: string, code: string, message: string): CmdbIssue => ({ path, code, message });

/** Typed attributes of a CI of `type` (unknown keys and wrong types are issues). */
export function checkAttributes(type: CiType, attributes: Record<string, unknown>): { value: Record<string, unknown>; issues: CmdbIssue[] } {
  const result = CI_ATTRIBUTE_SCHEMAS[type].safeParse(attributes);
  if (result.success) return { value: result.data, issues: [] };
  return {
    value: attributes,
    issues: result.error.issues.map((i) => {
      const path = ['attributes', ...i.path.map(String)].join('.');
      const message = i.code === 'unrecognized_keys'
        ? `${type} has no attribute ${(i as any).keys.map((k: string) => `'${k}'`).join(', ')}; known: ${Object.keys((CI_ATTRIBUTE_SCHEMAS[type] as any).shape ?? {}).join(', ')}`
        : `${path}: ${i.message}`;
      return issue(path, 'invalid_attribute', message);
    }),
  };
}

/** A CI of `type` may be located in a CI of `parentType` (or nowhere, for sites and services). */
export function checkParent(key: string, type: CiType, parent: { key: string; type: string } | null | undefined): CmdbIssue[] {
  const allowed = ALLOWED_PARENTS[type];
  if (!parent) {
    return allowed.length === 0 ? [] : [issue('parent', 'parent_required', `a ${type} must be located in a ${allowed.join(' or ')}; ${key} has no parent`)];
  }
  if (allowed.length === 0) return [issue('parent', 'invalid_parent', `a ${type} is not located in anything, but ${key} names ${parent.key} as its parent`)];
  if (!allowed.includes(parent.type as CiType)) {
    return [issue('parent', 'invalid_parent', `a ${type} cannot be located in a ${parent.type} (${parent.key}); it belongs in a ${allowed.join(' or ')}`)];
  }
  return [];
}

/** A CI's location chain must not lead back to itself. `parentOf` answers for keys not yet written too. */
export function checkLocationCycle(key: string, parentKey: string | null | undefined, parentOf: (key: string) => string | null | undefined): CmdbIssue[] {
  const chain = [key];
  let current = parentKey ?? null;
  while (current) {
    chain.push(current);
    if (current === key) return [issue('parent', 'cycle', `location cycle: ${chain.join(' → ')} (a CI cannot be located inside itself)`)];
    if (chain.length > 64) return [issue('parent', 'cycle', `location chain of ${key} is deeper than 64 levels: ${chain.slice(0, 6).join(' → ')} …`)];
    current = parentOf(current) ?? null;
  }
  return [];
}

export interface RackFacts { key: string; uHeight: number; maxWeightKg?: number }
export interface Mounted { key: string; positionU: number | null; face: string | null; uHeight: number | null; weightKg: number | null }

const span = (from: number, height: number) => (height <= 1 ? `U${from}` : `U${from}–U${from + height - 1}`);

/**
 * A device placed in a rack: its U span lies inside the rack and overlaps nobody else's (a device occupies
 * both faces, as full-depth equipment does; 0U devices such as vertical PDUs take no U), and the rack's load
 * stays within its maximum weight. `others` are the rack's other occupants.
 */
export function checkRackPlacement(device: Mounted & { type: string }, rack: RackFacts, others: Mounted[]): CmdbIssue[] {
  const issues: CmdbIssue[] = [];
  const height = device.uHeight ?? 1;
  if (device.positionU !== null && height > 0) {
    const top = device.positionU + height - 1;
    if (top > rack.uHeight) {
      issues.push(issue('positionU', 'outside_rack', `${device.key} is ${height}U: at U${device.positionU} it would reach U${top}, but rack ${rack.key} has ${rack.uHeight}U`));
    }
    for (const other of others) {
      if (other.key === device.key || other.positionU === null) continue;
      const otherHeight = other.uHeight ?? 1;
      if (otherHeight <= 0) continue;
      const otherTop = other.positionU + otherHeight - 1;
      if (device.positionU <= otherTop && other.positionU <= top) {
        issues.push(issue('positionU', 'u_collision',
          `U collision in rack ${rack.key}: ${device.key} at ${span(device.positionU, height)} overlaps ${other.key} at ${span(other.positionU, otherHeight)}`));
      }
    }
  }
  if (rack.maxWeightKg !== undefined && device.weightKg !== null && device.weightKg !== undefined) {
    const carried = others.filter((o) => o.key !== device.key).reduce((sum, o) => sum + (o.weightKg ?? 0), 0);
    const total = carried + device.weightKg;
    if (total > rack.maxWeightKg + 1e-9) {
      issues.push(issue('parent', 'too_heavy', device.weightKg > rack.maxWeightKg
        ? `${device.key} weighs ${fmtKg(device.weightKg)}, more than rack ${rack.key} may carry (${fmtKg(rack.maxWeightKg)})`
        : `too heavy: rack ${rack.key} may carry ${fmtKg(rack.maxWeightKg)}; it already holds ${fmtKg(carried)} and ${device.key} weighs ${fmtKg(device.weightKg)} (${fmtKg(total)} in all)`));
    }
  }
  return issues;
}

const fmtKg = (kg: number) => `${Math.round(kg * 10) / 10} kg`;

/** Whether `kind` may join a `fromType` CI to a `toType` CI, in words when it may not. */
export function checkRelationTypes(kind: RelationKind, from: { key: string; type: string }, to: { key: string; type: string }): CmdbIssue[] {
  if (from.key === to.key) return [issue('to', 'self_relation', `${from.key} cannot be related to itself`)];
  const rule = RELATION_RULES[kind];
  if (!rule.from.includes(from.type as CiType)) {
    return [issue('from', 'impossible_relation', `impossible link: a ${from.type} (${from.key}) cannot be ${kind.replace('_', ' ')} anything; ${kind} starts at a ${rule.from.join(', ')}`)];
  }
  if (!rule.to.includes(to.type as CiType)) {
    return [issue('to', 'impossible_relation', `impossible link: a ${from.type} (${from.key}) cannot be ${kind.replace('_', ' ')} a ${to.type} (${to.key}); a ${from.type} ${rule.meaning} a ${rule.to.join(', ')}`)];
  }
  return [];
}

/**
 * A new edge from → to of `kind` closes a cycle when `to` already reaches `from` along that kind; `pathBack`
 * is that existing path (to … from). The message shows the whole loop.
 */
export function cycleIssue(kind: RelationKind, from: string, to: string, pathBack: string[] | undefined): CmdbIssue[] {
  if (!pathBack) return [];
  const loop = [from, ...pathBack];
  return [issue('to', 'cycle', `relationship cycle: ${loop.join(` —${kind}→ `)} (${from} would ${RELATION_RULES[kind].meaning} something that already ${RELATION_RULES[kind].meaning} it)`)];
}

/** In-memory reachability over edges of one kind: a path `start` → … → `goal`, if any. */
export function findPath(edges: Map<string, string[]>, start: string, goal: string): string[] | undefined {
  const prev = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === goal) {
      const path: string[] = [];
      for (let n: string | null = node; n !== null; n = prev.get(n) ?? null) path.unshift(n);
      return path;
    }
    for (const next of edges.get(node) ?? []) {
      if (!prev.has(next)) { prev.set(next, node); queue.push(next); }
    }
  }
  return undefined;
}
