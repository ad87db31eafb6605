/** Inlet temperatures of the racks of each row: coolest, mean and hottest, and how many are outside the ASHRAE recommended range. */
import { ASHRAE_RECOMMENDED_C } from '../floor/floorModel.ts';

export interface RowInlets {
  rowKey: string;
  racks: number;
  /** Racks with a measured inlet. */
  measured: number;
  minC: number | null;
  avgC: number | null;
  maxC: number | null;
  outsideRecommended: number;
}

export function rowInlets(racks: Iterable<{ rowKey: string | null; inletC: number | null }>): Map<string, RowInlets> {
  const rows = new Map<string, RowInlets & { sum: number }>();
  for (const rack of racks) {
    if (!rack.rowKey) continue;
    let row = rows.get(rack.rowKey);
    if (!row) {
      row = { rowKey: rack.rowKey, racks: 0, measured: 0, minC: null, avgC: null, maxC: null, outsideRecommended: 0, sum: 0 };
      rows.set(rack.rowKey, row);
    }
    row.racks++;
    const t = rack.inletC;
    if (t === null || !Number.isFinite(t)) continue;
    row.measured++;
    row.sum += t;
    row.minC = row.minC === null ? t : Math.min(row.minC, t);
    row.maxC = row.maxC === null ? t : Math.max(row.maxC, t);
    if (t < ASHRAE_RECOMMENDED_C.min || t > ASHRAE_RECOMMENDED_C.max) row.outsideRecommended++;
  }
  const out = new Map<string, RowInlets>();
  for (const [key, { sum, ...row }] of rows) out.set(key, { ...row, avgC: row.measured > 0 ? sum / row.measured : null });
  return out;
}
