/**
 * Where a site's power goes, from the CMDB's power graph and the latest samples:
 *
 * - utility: what the site takes in — the meters on its supplies (utility, generator, PV: measures =
 *   utility/generator/pv, or watching a utility/generator CI); without such meters, the UPS inputs plus the
 *   metered mechanical loads (flagged: other loads are missing).
 * - IT: the PDU inlets (PUE category 2) when they all report, else IT meters, else the UPS outputs
 *   (category 1) — whichever covers best, in that order of preference; `basis` says which.
 * - cooling: meters on cooling (measures = cooling, watching a CRAC/chiller, or a mechanical panel — a panel
 *   that feeds cooling units and no IT).
 * - losses: utility − IT − cooling, clamped at 0 (flagged) and flagged when cooling is not metered and is
 *   therefore inside the figure.
 *
 * Pure: the caller loads the inputs (load.ts).
 */
import { coverageComplete } from './chain.ts';
import { SitePowerModel, round3 } from './model.ts';
import type { CoolingBasis, ItBasis, LossesFigure, PowerFigure, PowerFlag, SitePowerInputs, SitePowerSummary, UpsStatus, UtilityBasis } from './types.ts';

const SUPPLY_MEASURES = new Set(['utility', 'generator', 'pv']);
const COOLING_TYPES = new Set(['crac', 'chiller']);

interface Candidate<B extends string> { basis: B; points: string[]; expected: number; flags?: PowerFlag[] }

export function sitePowerSummary(inputs: SitePowerInputs): SitePowerSummary {
  const model = new SitePowerModel(inputs);
  const meters = model.ofType('meter');
  const measuresOf = (key: string) => {
    const m = model.cis.get(key)?.attributes.measures;
    return typeof m === 'string' ? m : null;
  };

  // Supply meters: by what they say they measure, or by the supply CI they watch.
  const supplyMeters = new Set(meters.filter((m) => SUPPLY_MEASURES.has(measuresOf(m.key) ?? '')).map((m) => m.key));
  for (const ci of model.ofType('utility', 'generator')) for (const m of model.meters.get(ci.key) ?? []) if (!measuresOf(m) || SUPPLY_MEASURES.has(measuresOf(m)!)) supplyMeters.add(m);

  // Cooling: cooling meters, meters on cooling units and on mechanical panels.
  const coolingUnits = model.ofType(...COOLING_TYPES);
  const mechanicalPanels = new Set<string>();
  const feedsIt = new Set<string>();
  for (const ci of model.inputs.cis) {
    for (const s of model.suppliers.get(ci.key) ?? []) {
      if (model.cis.get(s.to)?.type !== 'panel') continue;
      if (COOLING_TYPES.has(ci.type)) mechanicalPanels.add(s.to);
      else feedsIt.add(s.to);
    }
  }
  for (const p of feedsIt) mechanicalPanels.delete(p);
  const coolingMeters = new Set(meters.filter((m) => measuresOf(m.key) === 'cooling').map((m) => m.key));
  for (const key of [...coolingUnits.map((c) => c.key), ...mechanicalPanels]) for (const m of model.meters.get(key) ?? []) coolingMeters.add(m);
  const coolingPoints = [...coolingMeters].sort().flatMap((m) => model.meterPowerPoints(m));
  const cooling = figure<CoolingBasis>(model, coolingMeters.size
    ? [{ basis: 'meters', points: coolingPoints, expected: Math.max(coolingMeters.size, coolingPoints.length) }]
    : []);
  if (cooling.kw === null && coolingUnits.length > 0 && coolingMeters.size === 0) {
    cooling.coverage = { reported: 0, expected: coolingUnits.length };
    cooling.flags = ['not-metered'];
  }
  const coolingUnmetered = cooling.kw === null && coolingUnits.length > 0;

  // IT.
  const pdus = model.ofType('pdu');
  const pduPoints = pdus.flatMap((p) => model.rolePoints(p, 'pdu.inlet.power').map((x) => x.key));
  const pduExpected = pdus.reduce((n, p) => n + Math.max(1, model.rolePoints(p, 'pdu.inlet.power').length), 0);
  const itMeters = meters.filter((m) => measuresOf(m.key) === 'it');
  const itMeterPoints = itMeters.flatMap((m) => model.meterPowerPoints(m.key));
  const upss = model.ofType('ups');
  const upsOutputPoints = upss.flatMap((u) => model.rolePoints(u, 'ups.output.power').map((x) => x.key));
  const upsExpected = upss.reduce((n, u) => n + Math.max(1, model.rolePoints(u, 'ups.output.power').length), 0);
  const it = figure<ItBasis>(model, [
    ...(pduPoints.length ? [{ basis: 'pdu-inlets' as const, points: pduPoints, expected: pduExpected }] : []),
    ...(itMeterPoints.length ? [{ basis: 'it-meters' as const, points: itMeterPoints, expected: Math.max(itMeters.length, itMeterPoints.length) }] : []),
    ...(upsOutputPoints.length ? [{ basis: 'ups-outputs' as const, points: upsOutputPoints, expected: upsExpected }] : []),
  ]);

  // Utility.
  const supplyPoints = [...supplyMeters].sort().flatMap((m) => model.meterPowerPoints(m));
  const upsInputPoints = upss.flatMap((u) => model.rolePoints(u, 'ups.input.power').map((x) => x.key));
  const upsInputExpected = upss.reduce((n, u) => n + Math.max(1, model.rolePoints(u, 'ups.input.power').length), 0);
  const utility = figure<UtilityBasis>(model, [
    ...(supplyPoints.length ? [{ basis: 'meters' as const, points: supplyPoints, expected: Math.max(supplyMeters.size, supplyPoints.length) }] : []),
    ...(upsInputPoints.length ? [{
      basis: 'ups-inputs' as const, points: [...upsInputPoints, ...coolingPoints], expected: upsInputExpected + (coolingMeters.size ? Math.max(coolingMeters.size, coolingPoints.length) : 0),
      flags: coolingUnmetered ? ['excludes-cooling' as const] : [],
    }] : []),
  ]);

  const losses = lossesOf(utility.kw, it.kw, cooling.kw, coolingUnmetered);

  const ups: UpsStatus[] = upss.map((ci) => {
    const points = model.upsPoints(ci);
    const output = points.output.length ? model.sumKw(points.output).kw : null;
    const ratedKw = model.attr(ci, 'ratedKw');
    const ratedKva = model.attr(ci, 'ratedKva');
    const ownLoad = model.maxOf(points.load);
    const rating = ratedKw ?? ratedKva;
    return {
      key: ci.key, name: ci.name, devices: ci.devices, kw: output, ratedKw, ratedKva,
      loadPct: ownLoad !== null ? round3(ownLoad) : output !== null && rating ? round3(output / rating * 100) : null,
      onBattery: model.onBattery(points),
      batteryChargePct: model.valueOf(points.charge),
      runtimeMin: model.runtimeMin(points.runtime),
      points,
    };
  });

  return { site: inputs.site, at: inputs.now.toISOString(), utility, it, cooling, losses, ups, readings: model.readingsJson() };
}

/** Utility − IT − cooling, never below zero; the same rule the web page applies to live values. */
export function lossesOf(utilityKw: number | null, itKw: number | null, coolingKw: number | null, coolingUnmetered: boolean): LossesFigure {
  if (utilityKw === null || itKw === null) return { kw: null, flags: [] };
  const flags: PowerFlag[] = coolingUnmetered ? ['includes-cooling'] : [];
  const raw = utilityKw - itKw - (coolingKw ?? 0);
  if (raw < 0) return { kw: 0, flags: [...flags, 'negative-clamped'] };
  return { kw: round3(raw), flags };
}

/** The best-covered candidate (earlier ones win ties and any complete one wins). */
function figure<B extends string>(model: SitePowerModel, candidates: Array<Candidate<B>>): PowerFigure<B> {
  let best: PowerFigure<B> | undefined;
  let bestRatio = -1;
  for (const c of candidates) {
    const { kw, coverage } = model.sumKw(c.points);
    const cov = { reported: coverage.reported, expected: c.expected };
    const flags: PowerFlag[] = [...(c.flags ?? [])];
    if (cov.reported < cov.expected) flags.push('partial');
    const f: PowerFigure<B> = { kw, basis: c.basis, points: c.points, coverage: cov, flags };
    if (coverageComplete(cov)) return f;
    const ratio = cov.expected ? cov.reported / cov.expected : 0;
    if (ratio > bestRatio) { best = f; bestRatio = ratio; }
  }
  // Points that exist but none reported: the figure is unknown, not unmetered.
  return best ?? { kw: null, basis: null, points: [], coverage: { reported: 0, expected: 0 }, flags: ['not-metered'] };
}
