/**
 * Where the power chain draws each node and link: one column per stage (supply, transformers, UPS, panels,
 * PDUs, loads), the busiest column stacked top-down; the columns right of it placed level with what feeds them
 * (a rack between its A and B PDUs), the columns left of it stacked from the top in the order of what they feed
 * (the supply and the UPSs stay in view while their circuits fan out below). Links are cubic curves from the
 * supplier's right edge to the consumer's left edge, labelled where the label cannot collide with its
 * neighbours' (near the end that is not shared). Pure: no Solid, no DOM.
 */
import { CHAIN_COLUMNS, type ChainColumn, type ChainLink, type ChainNode, type PowerChain } from '../../api/overview.ts';

export const NODE_W = 172;
export const NODE_H = 58;
export const COLUMN_GAP = 84;
export const ROW_GAP = 10;
export const TOP = 8;
const LABEL_INSET = 6;
const LABEL_RISE = 5;

export interface PlacedNode { node: ChainNode; x: number; y: number }
export interface PlacedLink {
  link: ChainLink;
  path: string;
  /** Where the label's baseline starts, ends or is centred (`labelAnchor`), clear of the node boxes. */
  labelX: number;
  labelY: number;
  labelAnchor: 'start' | 'middle' | 'end';
}
export interface ChainLayout {
  width: number;
  height: number;
  columns: Array<{ column: ChainColumn; x: number }>;
  nodes: PlacedNode[];
  links: PlacedLink[];
}

const ALWAYS_SHOWN: ReadonlySet<ChainColumn> = new Set(['source', 'transformer', 'ups']);
const TYPE_ORDER = ['utility', 'generator', 'transformer', 'ups', 'panel', 'pdu', 'rack', 'crac', 'chiller'];

/** Nodes shown when the circuits of the `collapsed` UPSs are hidden (supply-side nodes always are). */
export function visibleNodes(chain: PowerChain, collapsed: ReadonlySet<string>): ChainNode[] {
  return chain.nodes.filter((n) => ALWAYS_SHOWN.has(n.column) || n.upsKeys.length === 0 || n.upsKeys.some((u) => !collapsed.has(u)));
}

const naturalKey = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export function layoutChain(chain: PowerChain, collapsed: ReadonlySet<string>): ChainLayout {
  const nodes = visibleNodes(chain, collapsed);
  const shown = new Set(nodes.map((n) => n.key));
  const links = chain.links.filter((l) => shown.has(l.from) && shown.has(l.to));
  const suppliers = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  for (const l of links) {
    (suppliers.get(l.to) ?? suppliers.set(l.to, []).get(l.to)!).push(l.from);
    (consumers.get(l.from) ?? consumers.set(l.from, []).get(l.from)!).push(l.to);
  }

  const columns = CHAIN_COLUMNS.filter((c) => nodes.some((n) => n.column === c));
  const byColumn = new Map<ChainColumn, ChainNode[]>(columns.map((c) => [c, nodes.filter((n) => n.column === c)
    .sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || naturalKey(a.key, b.key))]));
  // PDUs next to the rack they serve, so the A and B PDUs of a rack sit together.
  const loads = byColumn.get('load') ?? [];
  const loadIndex = new Map(loads.map((n, i) => [n.key, i]));
  byColumn.get('pdu')?.sort((a, b) => firstIndex(consumers.get(a.key), loadIndex) - firstIndex(consumers.get(b.key), loadIndex) || naturalKey(a.key, b.key));

  const x = new Map(columns.map((c, i) => [c, i * (NODE_W + COLUMN_GAP)]));
  const y = new Map<string, number>();
  const anchor = columns.reduce<ChainColumn | undefined>((best, c) => (best === undefined || byColumn.get(c)!.length > byColumn.get(best)!.length ? c : best), undefined);
  if (anchor) byColumn.get(anchor)!.forEach((n, i) => y.set(n.key, TOP + i * (NODE_H + ROW_GAP)));

  const place = (column: ChainColumn, neighbours: Map<string, string[]>, level: boolean) => {
    const list = byColumn.get(column)!;
    const desired = new Map<string, number>();
    for (const n of list) {
      const ys = (neighbours.get(n.key) ?? []).map((k) => y.get(k)).filter((v): v is number => v !== undefined);
      desired.set(n.key, ys.length ? ys.reduce((s, v) => s + v, 0) / ys.length : Number.POSITIVE_INFINITY);
    }
    const order = list.map((n, i) => ({ n, i })).sort((a, b) => desired.get(a.n.key)! - desired.get(b.n.key)! || a.i - b.i);
    let next = TOP;
    for (const { n } of order) {
      const want = desired.get(n.key)!;
      const at = level && Number.isFinite(want) ? Math.max(next, want) : next;
      y.set(n.key, at);
      next = at + NODE_H + ROW_GAP;
    }
    byColumn.set(column, order.map((o) => o.n));
  };
  const anchorAt = anchor ? columns.indexOf(anchor) : 0;
  for (let i = anchorAt + 1; i < columns.length; i++) place(columns[i], suppliers, true);
  for (let i = anchorAt - 1; i >= 0; i--) place(columns[i], consumers, false);

  const placed = nodes.map((n) => ({ node: n, x: x.get(n.column)!, y: y.get(n.key)! }));
  const at = new Map(placed.map((p) => [p.node.key, p]));
  const placedLinks = links.map((link) => {
    const a = at.get(link.from)!;
    const b = at.get(link.to)!;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const dx = Math.max(30, (x2 - x1) / 2);
    const p = [x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2];
    // Label just above the end this link does not share with others: a fan-out is read at its consumers, a
    // fan-in at its suppliers; a one-to-one link in its middle.
    const fanIn = (suppliers.get(link.to)?.length ?? 0) > 1;
    const fanOut = (consumers.get(link.from)?.length ?? 0) > 1;
    const path = `M${p[0]},${p[1]} C${p[2]},${p[3]} ${p[4]},${p[5]} ${p[6]},${p[7]}`;
    if (fanOut && !fanIn) return { link, path, labelX: x2 - LABEL_INSET, labelY: y2 - LABEL_RISE, labelAnchor: 'end' as const };
    if (fanIn && !fanOut) return { link, path, labelX: x1 + LABEL_INSET, labelY: y1 - LABEL_RISE, labelAnchor: 'start' as const };
    const [labelX, labelY] = bezier(p, 0.5);
    return { link, path, labelX, labelY: labelY - LABEL_RISE, labelAnchor: 'middle' as const };
  });
  const height = Math.max(TOP, ...placed.map((p) => p.y + NODE_H)) + TOP;
  const width = columns.length ? (columns.length - 1) * (NODE_W + COLUMN_GAP) + NODE_W : 0;
  return { width, height, columns: columns.map((c) => ({ column: c, x: x.get(c)! })), nodes: placed, links: placedLinks };
}

/**
 * A name fitted into `widthPx` of 13 px semi-bold text: squeezed a little when slightly too long (so a key like
 * PDP-A1 at its end stays readable), cut with an ellipsis when far too long. Widths are estimates (SVG text
 * cannot be measured before it is drawn): Latin ~7.3 px a character, CJK ~13 px.
 */
export function fitName(name: string, widthPx: number): { text: string; squeeze: boolean } {
  const widthOf = (s: string) => [...s].reduce((w, ch) => w + (ch.codePointAt(0)! >= 0x2e80 ? 13 : 7.3), 0);
  if (widthOf(name) <= widthPx) return { text: name, squeeze: false };
  let text = name;
  while (widthOf(text) > widthPx * 1.3 && text.length > 1) text = text.slice(0, -1);
  if (text !== name) text = `${text.slice(0, -1)}…`;
  return { text, squeeze: true };
}

function firstIndex(keys: string[] | undefined, index: Map<string, number>): number {
  let best = Number.POSITIVE_INFINITY;
  for (const k of keys ?? []) best = Math.min(best, index.get(k) ?? Number.POSITIVE_INFINITY);
  return best;
}

function bezier(p: number[], t: number): [number, number] {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return [a * p[0] + b * p[2] + c * p[4] + d * p[6], a * p[1] + b * p[3] + c * p[5] + d * p[7]];
}
