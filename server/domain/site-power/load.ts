/**
 * Loads a site's power model inputs from the database: its electrical CIs, their relations, the points with
 * the roles the model reads, and the latest sample of each. Also the reporting state of the site's devices.
 */
import type { Db } from '../../../db/client.ts';
import {
  findSite, lastValueAt, pointsWithRoles, powerRelationsFrom, recentValues, siteCisOfTypes, siteDeviceReports, type SiteRef,
} from '../../../db/queries/overview.ts';
import { latestSamples } from '../../../db/queries/samples.ts';
import { SITE_POWER_CI_TYPES, SITE_POWER_ROLES, type DeviceReport, type DeviceReportReason, type Reading, type SitePowerInputs } from './types.ts';

/** A value older than this is no longer the present one (ten poll intervals of a slow collector). */
export const SITE_POWER_STALE_AFTER_MS = 10 * 60_000;
/**
 * A device counts as not reporting once it has delivered no value for this long: a poll or two lost on a busy
 * network is a blip, not a device that stopped (the collector records comm_loss for every missed poll).
 */
export const NOT_REPORTING_AFTER_MS = 60_000;

export { findSite, type SiteRef };

export async function loadSitePowerInputs(db: Db, site: SiteRef, now = new Date()): Promise<SitePowerInputs> {
  const cis = await siteCisOfTypes(db, site.id, SITE_POWER_CI_TYPES);
  const relations = await powerRelationsFrom(db, cis.map((c) => c.key));
  const points = await pointsWithRoles(db, [...new Set(cis.flatMap((c) => c.devices))], SITE_POWER_ROLES);
  const latest = await latestSamples(db, points.map((p) => p.id));
  const keyOf = new Map(points.map((p) => [p.id, p.key]));
  const readings = new Map<string, Reading>(latest.map((l) => [keyOf.get(l.pointId)!, { value: l.value, ts: l.ts, quality: l.quality }]));
  // Points whose latest poll was lost: the value they had just before, if recent enough to hold.
  const lost = latest.filter((l) => l.value === null || l.quality === 'comm_loss').map((l) => l.pointId);
  for (const [pointId, held] of await recentValues(db, lost, new Date(now.getTime() - NOT_REPORTING_AFTER_MS))) {
    readings.get(keyOf.get(pointId)!)!.lastValue = held;
  }
  return {
    site: { key: site.key, name: site.name },
    cis,
    relations,
    points: points.map(({ id: _id, ...p }) => p),
    readings,
    now,
    staleAfterMs: SITE_POWER_STALE_AFTER_MS,
    holdMs: NOT_REPORTING_AFTER_MS,
  };
}

/** Every collector device of the site and whether it is reporting now (see NOT_REPORTING_AFTER_MS). */
export async function siteDeviceReporting(db: Db, site: SiteRef, now = new Date()): Promise<DeviceReport[]> {
  const rows = await siteDeviceReports(db, site.id);
  const reasonOf = (r: (typeof rows)[number]): DeviceReportReason | null => {
    if (!r.lastSample) return 'never';
    if (r.lastQuality === 'comm_loss') return 'comm_loss';
    if (now.getTime() - r.lastSample.getTime() > SITE_POWER_STALE_AFTER_MS) return 'stale';
    return null;
  };
  const reasons = rows.map(reasonOf);
  const lastValues = await lastValueAt(db, rows.filter((_, i) => reasons[i] === 'comm_loss').map((r) => r.device));
  rows.forEach((r, i) => {
    const last = lastValues.get(r.device);
    if (reasons[i] === 'comm_loss' && last && now.getTime() - last.getTime() <= NOT_REPORTING_AFTER_MS) reasons[i] = null;
  });
  return rows.map((r, i) => ({
    device: r.device,
    ci: { key: r.ciKey, name: r.ciName, type: r.ciType },
    reporting: reasons[i] === null,
    reason: reasons[i],
    lastSample: r.lastSample?.toISOString() ?? null,
    lastValue: r.lastQuality === 'comm_loss' ? lastValues.get(r.device)?.toISOString() ?? null : r.lastSample?.toISOString() ?? null,
    probePoint: r.probePoint,
  }));
}
