/**
 * The power chain of a site as columns, supply on the left and loads on the right:
 *
 *   source (utility, generator) → transformer → UPS → panel → PDU → load (rack, CRAC)
 *
 * Feeds and breakers are collapsed into the links they sit on (their side A/B becomes the link's label);
 * a PDU's link to its rack comes from where it is mounted. Each node's live kW is the sum of named points:
 * its own (a UPS's output, a PDU's inlets, a meter watching it), else its only supplier's (a transformer
 * behind the utility meter), else the sum of what it feeds (a distribution panel = its PDUs). A link's flow
 * is the consumer's input when it has one active supplier, else the supplier's output when it feeds only
 * that consumer; a standby generator's links are idle. Pure.
 */
import { SitePowerModel, round3 } from './model.ts';
import type { ChainColumn, ChainLink, ChainNode, Coverage, PowerChain, PowerCi, SitePowerInputs } from './types.ts';

const COLUMN_OF: Record<string, ChainColumn> = {
  utility: 'source', generator: 'source', transformer: 'transformer', ups: 'ups', panel: 'panel', pdu: 'pdu',
  rack: 'load', crac: 'load', chiller: 'load',
};
const COLUMN_ORDER: ChainColumn[] = ['source', 'transformer', 'ups', 'panel', 'pdu', 'load'];
/** Types drawn as part of a link rather than as a node. */
const PASS_THROUGH = new Set(['feed', 'breaker']);
/** A supply that delivers less than this is standing by (a generator not running, a utility in an outage). */
const IDLE_KW = 0.01;
const MAX_PASS_THROUGH_DEPTH = 8;

interface Work {
  node: ChainNode;
  ci: PowerCi;
  /** Points measuring what flows into it (a UPS's input, a PDU's inlets, a meter). */
  inputPoints: string[];
}

export function powerChain(inputs: SitePowerInputs): PowerChain {
  const model = new SitePowerModel(inputs);
  const work = new Map<string, Work>();
  for (const ci of inputs.cis) {
    const column = COLUMN_OF[ci.type];
    if (!column) continue;
    work.set(ci.key, { ci, inputPoints: [], node: {
      key: ci.key, type: ci.type, name: ci.name, status: ci.status, column, devices: ci.devices, upsKeys: [],
      basis: null, kw: null, points: [], coverage: { reported: 0, expected: 0 }, ratedKw: null, ratedKva: null, loadPoints: [], loadPct: null,
    } });
  }

  const links = buildLinks(model, work);
  const into = groupBy(links, (l) => l.to);
  const outOf = groupBy(links, (l) => l.from);

  // 1. What each node measures itself.
  for (const w of work.values()) {
    const { ci, node } = w;
    const meterPoints = model.meterPointsOf(ci.key);
    if (ci.type === 'ups') {
      node.ups = model.upsPoints(ci);
      // Its status points come along with the readings, so a page shows on-battery and charge at once.
      model.onBattery(node.ups);
      model.valueOf(node.ups.charge);
      model.valueOf(node.ups.runtime);
      node.points = node.ups.output.length ? node.ups.output : meterPoints;
      w.inputPoints = node.ups.input;
      node.loadPoints = node.ups.load;
    } else if (ci.type === 'pdu') {
      node.points = model.rolePoints(ci, 'pdu.inlet.power').map((p) => p.key);
      w.inputPoints = node.points;
    } else if (ci.type === 'rack') {
      const pdus = (model.children.get(ci.key) ?? []).filter((k) => work.get(k)?.ci.type === 'pdu');
      node.points = pdus.length ? pdus.flatMap((k) => model.rolePoints(work.get(k)!.ci, 'pdu.inlet.power').map((p) => p.key)) : meterPoints;
    } else {
      node.points = meterPoints;
      w.inputPoints = meterPoints;
    }
    if (node.points.length) node.basis = 'measured';
  }

  // 2. A node without points behind a measured supplier that feeds only it carries the supplier's figure.
  for (const column of COLUMN_ORDER) {
    for (const w of work.values()) {
      if (w.node.column !== column || w.node.points.length) continue;
      const suppliers = uniq((into.get(w.node.key) ?? []).map((l) => l.from));
      if (suppliers.length !== 1) continue;
      const supplier = work.get(suppliers[0])!.node;
      if (supplier.points.length && uniq((outOf.get(supplier.key) ?? []).map((l) => l.to)).length === 1) {
        w.node.points = supplier.points;
        w.node.basis = 'upstream';
      }
    }
  }
  const evaluate = (node: ChainNode) => {
    const { kw, coverage } = model.sumKw(node.points);
    node.kw = kw;
    node.coverage = coverage;
  };
  for (const w of work.values()) evaluate(w.node);

  // 3. Flows that can be measured now.
  const idle = (key: string) => {
    const n = work.get(key)!.node;
    return (n.column === 'source' || n.column === 'transformer') && n.kw !== null && n.coverage.reported === n.coverage.expected && n.kw < IDLE_KW;
  };
  const activeSuppliers = (key: string) => uniq((into.get(key) ?? []).map((l) => l.from)).filter((s) => !idle(s));
  const activeConsumers = (key: string) => uniq((outOf.get(key) ?? []).map((l) => l.to));
  const pending: ChainLink[] = [];
  for (const link of links) {
    if (idle(link.from)) { link.idle = true; continue; }
    const consumer = work.get(link.to)!;
    const supplier = work.get(link.from)!.node;
    const onlySupplier = activeSuppliers(link.to).length === 1;
    if (onlySupplier && consumer.inputPoints.length) link.points = consumer.inputPoints;
    else if (supplier.points.length && activeConsumers(link.from).length === 1) link.points = supplier.points;
    else pending.push(link);
  }

  // 4. A node without points that feeds only measured links is the sum of them (a distribution panel).
  for (const column of [...COLUMN_ORDER].reverse()) {
    for (const w of work.values()) {
      if (w.node.column !== column || w.node.points.length) continue;
      const out = (outOf.get(w.node.key) ?? []).filter((l) => !l.idle);
      if (out.length === 0 || out.some((l) => l.points.length === 0)) continue;
      w.node.points = uniq(out.flatMap((l) => l.points));
      w.node.basis = 'downstream';
      evaluate(w.node);
    }
  }
  for (const link of pending) {
    const consumer = work.get(link.to)!.node;
    if (activeSuppliers(link.to).length === 1 && consumer.points.length) link.points = consumer.points;
  }
  for (const link of links) link.kw = link.idle ? 0 : link.points.length ? model.sumKw(link.points).kw : null;

  // 5. Ratings and load, the UPSs each node hangs off.
  for (const w of work.values()) rate(model, w.ci, w.node);
  const upsOf = new Map<string, string[]>();
  const upsKeysOf = (key: string, seen = new Set<string>()): string[] => {
    const cached = upsOf.get(key);
    if (cached) return cached;
    if (seen.has(key)) return [];
    seen.add(key);
    const node = work.get(key)!.node;
    const found = node.type === 'ups' ? [key] : uniq((into.get(key) ?? []).flatMap((l) => upsKeysOf(l.from, seen))).sort();
    upsOf.set(key, found);
    return found;
  };
  for (const w of work.values()) w.node.upsKeys = upsKeysOf(w.node.key);

  const nodes = [...work.values()].map((w) => w.node)
    .sort((a, b) => COLUMN_ORDER.indexOf(a.column) - COLUMN_ORDER.indexOf(b.column) || cmp(a.key, b.key));
  return { site: inputs.site, at: inputs.now.toISOString(), nodes, links, readings: model.readingsJson() };
}

/** Supplier → consumer links between chain nodes, feeds and breakers folded in. */
function buildLinks(model: SitePowerModel, work: Map<string, Work>): ChainLink[] {
  const links = new Map<string, ChainLink>();
  const add = (from: string, to: string, side: string | null, via: string[]) => {
    const s = side === 'A' || side === 'B' ? side : null;
    const id = `${from}\u0000${to}\u0000${s ?? ''}`;
    if (!links.has(id)) links.set(id, { from, to, side: s, via, points: [], kw: null, idle: false });
  };
  const resolve = (consumer: string, supplier: string, side: string | null, via: string[]) => {
    if (supplier === consumer || via.length > MAX_PASS_THROUGH_DEPTH) return;
    if (work.has(supplier)) { add(supplier, consumer, side, via); return; }
    const ci = model.cis.get(supplier);
    if (!ci || !PASS_THROUGH.has(ci.type) || via.includes(supplier)) return;
    const ownSide = typeof ci.attributes.side === 'string' ? ci.attributes.side : null;
    for (const next of model.suppliers.get(supplier) ?? []) resolve(consumer, next.to, side ?? next.feed ?? ownSide, [...via, supplier]);
  };
  for (const w of work.values()) {
    const { ci } = w;
    const hasPdus = ci.type === 'rack' && (model.children.get(ci.key) ?? []).some((k) => work.get(k)?.ci.type === 'pdu');
    // A rack with PDUs draws through them: its own feed relations are drawn as the PDUs' links.
    if (!hasPdus) for (const s of model.suppliers.get(ci.key) ?? []) resolve(ci.key, s.to, s.feed, []);
  }
  const supplySide = new Map<string, 'A' | 'B' | null>();
  for (const l of links.values()) if (!supplySide.has(l.to) || supplySide.get(l.to) === null) supplySide.set(l.to, l.side);
  for (const w of work.values()) {
    if (w.ci.type !== 'pdu' || !w.ci.parentKey || work.get(w.ci.parentKey)?.ci.type !== 'rack') continue;
    add(w.ci.key, w.ci.parentKey, supplySide.get(w.ci.key) ?? null, []);
  }
  return [...links.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.side ?? '', b.side ?? ''));
}

function rate(model: SitePowerModel, ci: PowerCi, node: ChainNode): void {
  const a = (name: string) => model.attr(ci, name);
  const threePhase = ci.attributes.phase === 'three';
  const kvaOf = (amps: number | null, volts: number | null) => (amps !== null && volts !== null ? round3((threePhase ? Math.sqrt(3) : 1) * amps * volts / 1000) : null);
  switch (ci.type) {
    case 'ups': node.ratedKw = a('ratedKw'); node.ratedKva = a('ratedKva'); break;
    case 'generator': node.ratedKw = a('ratedKw'); node.ratedKva = a('ratedKva'); break;
    case 'transformer': node.ratedKva = a('ratedKva'); break;
    case 'utility': node.ratedKw = a('contractKw'); break;
    case 'rack': node.ratedKw = a('maxKw'); break;
    case 'pdu': case 'panel': node.ratedKva = kvaOf(a('ratedA'), a('voltageV')); break;
    default: break;
  }
  const own = node.loadPoints.length ? model.maxOf(node.loadPoints) : null;
  const rating = node.ratedKw ?? node.ratedKva;
  node.loadPct = own !== null ? round3(own) : node.kw !== null && rating ? round3(node.kw / rating * 100) : null;
}

export function coverageComplete(c: Coverage): boolean {
  return c.expected > 0 && c.reported === c.expected;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const uniq = <T>(list: T[]) => [...new Set(list)];

function groupBy<T>(list: T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of list) {
    const k = keyOf(item);
    const l = out.get(k);
    if (l) l.push(item);
    else out.set(k, [item]);
  }
  return out;
}
