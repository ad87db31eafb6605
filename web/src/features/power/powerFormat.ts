/**
 * How the power pages judge and word what they show: load against rating, a UPS's live status from its
 * points, losses from the site figures. Pure apart from the i18n formatters.
 */
import type { UpsPoints } from '../../api/overview.ts';
import { formatNumber, t } from '../../i18n/index.ts';
import type { LiveReadings } from './liveReadings.ts';

/** Load at which a node shows a warning (continuous-load limit, NEC 80 %) and at or over its rating. */
export const LOAD_WARN_PCT = 80;
export const LOAD_BAD_PCT = 100;

export type LoadLevel = 'ok' | 'warn' | 'bad' | 'none';

export function loadLevel(pct: number | null): LoadLevel {
  if (pct === null || !Number.isFinite(pct)) return 'none';
  return pct >= LOAD_BAD_PCT ? 'bad' : pct >= LOAD_WARN_PCT ? 'warn' : 'ok';
}

export function formatKw(kw: number | null): string {
  return kw === null ? t('power.noValue') : t('power.kw', { value: formatNumber(kw) });
}

export function formatPct(pct: number | null): string {
  return pct === null ? t('power.noValue') : t('power.pct', { value: formatNumber(pct, pct >= 10 ? 0 : 1) });
}

/** Load in % of rating: the device's own load figure when it has one, else kW ÷ rating (kW, else kVA). */
export function loadPctOf(ownPct: number | null, kw: number | null, ratedKw: number | null, ratedKva: number | null): number | null {
  if (ownPct !== null) return ownPct;
  const rating = ratedKw ?? ratedKva;
  return kw !== null && rating ? kw / rating * 100 : null;
}

export interface UpsLive {
  kw: number | null;
  loadPct: number | null;
  onBattery: boolean | null;
  chargePct: number | null;
  runtimeMin: number | null;
}

/** A UPS's status now, from its points (either card may tell it is on battery). */
export function upsLive(readings: LiveReadings, points: UpsPoints, ratedKw: number | null, ratedKva: number | null): UpsLive {
  const kw = points.output.length ? readings.sumKw(points.output).kw : null;
  let onBattery: boolean | null = null;
  for (const s of points.source) {
    const v = readings.value(s.key);
    if (v === null) continue;
    onBattery = onBattery === true || s.states?.[String(v)] === 'battery';
  }
  for (const key of points.onBattery) {
    const v = readings.value(key);
    if (v === null) continue;
    onBattery = onBattery === true || v >= 1;
  }
  const runtime = readings.value(points.runtime);
  const runtimeUnit = points.runtime ? readings.unit(points.runtime) : undefined;
  return {
    kw,
    loadPct: loadPctOf(readings.maxOf(points.load), kw, ratedKw, ratedKva),
    onBattery,
    chargePct: readings.value(points.charge),
    runtimeMin: runtime === null ? null : runtimeUnit === 's' ? runtime / 60 : runtimeUnit === 'h' ? runtime * 60 : runtime,
  };
}

export function upsStatusLabel(onBattery: boolean | null): string {
  return onBattery === null ? t('power.ups.unknown') : onBattery ? t('power.ups.onBattery') : t('power.ups.onMains');
}

/** Utility − IT − cooling, never below zero (as the server computes it). */
export function lossesKw(utilityKw: number | null, itKw: number | null, coolingKw: number | null): { kw: number | null; clamped: boolean } {
  if (utilityKw === null || itKw === null) return { kw: null, clamped: false };
  const raw = utilityKw - itKw - (coolingKw ?? 0);
  return raw < 0 ? { kw: 0, clamped: true } : { kw: raw, clamped: false };
}
