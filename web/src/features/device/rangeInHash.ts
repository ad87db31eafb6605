/**
 * The preset of a device or point page lives in the hash query (`#/devices/ups-a1?range=7d`) so a link
 * opens the same view. Written with replaceState: no history entry per click, no hashchange (the route,
 * which ignores the query, stays the same page).
 */
import { isRangePreset, type RangePreset } from '../../charts/chartRange.ts';

export function presetFromHash(hash = globalThis.location?.hash ?? '', fallback: RangePreset = '1h'): RangePreset {
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  const value = new URLSearchParams(query).get('range');
  return isRangePreset(value) ? value : fallback;
}

export function writePresetToHash(preset: RangePreset): void {
  const location = globalThis.location;
  if (!location) return;
  const [path, query = ''] = location.hash.split('?');
  const params = new URLSearchParams(query);
  if (params.get('range') === preset) return;
  params.set('range', preset);
  history.replaceState(history.state, '', `${location.pathname}${location.search}${path}?${params.toString()}`);
}
