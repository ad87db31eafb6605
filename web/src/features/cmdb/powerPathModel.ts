/**
 * Lays out a power path (the CI and everything upstream of it) in levels: the CI at level 0, each source
 * one level above the farthest CI it feeds, so with A/B feeds of different lengths the utility still ends
 * up on top. A cycle in bad data cannot hang the page: relaxation stops after one pass per node.
 */
import type { PowerPath, PowerPathEdge, PowerPathNode } from '../../api/cmdb.ts';

export interface PowerPathCard {
  node: PowerPathNode;
  /** What this node feeds on the path (edges whose `to` is this node). */
  feeds: PowerPathEdge[];
}

/** Levels from the farthest source (first) down to the CI itself (last). */
export function powerPathLevels(path: PowerPath): PowerPathCard[][] {
  const depth = new Map<string, number>([[path.root, 0]]);
  for (let pass = 0; pass < path.nodes.length; pass++) {
    let changed = false;
    for (const edge of path.edges) {
      const fromDepth = depth.get(edge.from);
      if (fromDepth === undefined) continue;
      if ((depth.get(edge.to) ?? -1) < fromDepth + 1) {
        depth.set(edge.to, fromDepth + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const levels: PowerPathCard[][] = [];
  for (const node of path.nodes) {
    // A node the edges do not reach from the root still belongs on the path: put it right above the CI.
    const level = depth.get(node.key) ?? 1;
    (levels[level] ??= []).push({ node, feeds: path.edges.filter((edge) => edge.to === node.key) });
  }
  for (const level of levels) level?.sort((a, b) => a.node.name.localeCompare(b.node.name, undefined, { numeric: true }));
  return levels.filter((level) => level && level.length > 0).reverse();
}
