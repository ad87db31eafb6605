/**
 * The value, quality and age cells of a point's row, shared by the points tables of the device, UPS and CI
 * pages: the value as people read it (or "no sample"), the quality badge, and how old the sample is.
 */
import { Show } from 'solid-js';
import type { SampleQuality } from '../../api/types.ts';
import { formatAge, formatDateTime, formatValue, t } from '../../i18n/index.ts';
import { OLD_SAMPLE_MS, QualityBadge } from '../../ui/QualityBadge.tsx';

export interface ShownSample { value: number | null; quality: SampleQuality | null; tsMs: number }
export interface ShownPoint { unit: string; states?: Record<string, string> | null }

/** A point's value as people read it: its state label for enumerations, else number and unit. */
export function formatPointValue(point: ShownPoint, sample: Pick<ShownSample, 'value'> | undefined): string | undefined {
  if (!sample || sample.value === null) return undefined;
  return point.states?.[String(sample.value)] ?? formatValue(sample.value, point.unit);
}

/** The row is dimmed when its sample is old: the device may have stopped reporting. */
export const isOldSample = (sample: ShownSample | undefined, nowMs: number) => !!sample && nowMs - sample.tsMs > OLD_SAMPLE_MS;

/** The headers of the three cells below. */
export function SampleHeaderCells() {
  return (
    <>
      <th scope="col" class="num">{t('points.value')}</th>
      <th scope="col">{t('points.quality')}</th>
      <th scope="col" class="num">{t('points.age')}</th>
    </>
  );
}

export function SampleCells(props: { point: ShownPoint; sample: ShownSample | undefined; nowMs: number; valueTestId?: string }) {
  return (
    <>
      <td class="num value" data-testid={props.valueTestId} data-ts={props.sample?.tsMs}>
        <Show when={formatPointValue(props.point, props.sample)} fallback={<span class="muted">{t('points.noSample')}</span>}>
          {(text) => text()}
        </Show>
      </td>
      <td>
        <Show when={props.sample?.quality}>{(quality) => <QualityBadge quality={quality()} />}</Show>
      </td>
      <td class="num age">
        <Show when={props.sample} fallback={t('app.none')}>
          {(s) => (
            <time datetime={new Date(s().tsMs).toISOString()} title={formatDateTime(s().tsMs)}>
              {formatAge(s().tsMs, props.nowMs)}
            </time>
          )}
        </Show>
      </td>
    </>
  );
}
