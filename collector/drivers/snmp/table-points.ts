/**
 * Table rows become points only once a poll has seen them. The collector keeps, per device, the points
 * its table rows declared so far; every later poll samples each of them exactly once, so a row that
 * vanishes (agent subtree gone, noSuchInstance) is a visible `sentinel` (or `comm_loss` when the device
 * did not answer at all), never a silent gap.
 */
import type { PointDecl, Sample } from '../../../server/contracts/ingest.ts';
import type { RawReading } from '../types.ts';

export function tableRowSamples(
  device: string,
  known: Map<string, PointDecl>,
  readings: readonly RawReading[],
  ts: string,
  /** Metrics the profile lists as scalar points (a row never shadows one). */
  scalarMetrics: ReadonlySet<string>,
): { samples: Sample[]; newPoints: PointDecl[] } {
  const newPoints: PointDecl[] = [];
  const rows = new Map<string, RawReading>();
  for (const r of readings) {
    if (!r.decl || scalarMetrics.has(r.metric)) continue;
    rows.set(r.metric, r);
    if (!known.has(r.metric)) {
      const decl: PointDecl = {
        key: `${device}/${r.metric}`, device, metric: r.metric, unit: r.decl.unit, kind: r.decl.kind,
        ...(r.decl.role ? { role: r.decl.role } : {}),
        ...(r.decl.description ? { description: r.decl.description } : {}),
        ...(r.decl.states ? { states: r.decl.states } : {}),
      };
      known.set(r.metric, decl);
      newPoints.push(decl);
    }
  }
  const answered = readings.some((r) => r.quality !== 'comm_loss');
  const samples: Sample[] = [];
  for (const [metric, decl] of known) {
    const r = rows.get(metric);
    if (!r) samples.push({ point: decl.key, ts, value: null, quality: answered ? 'sentinel' : 'comm_loss' });
    else samples.push({ point: decl.key, ts, value: r.value, quality: r.quality === 'ok' && r.value === null ? 'sentinel' : r.quality });
  }
  return { samples, newPoints };
}
