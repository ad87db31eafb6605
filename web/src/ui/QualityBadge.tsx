/** A sample's quality as a badge (ok, stale, comm loss, sentinel, out of range), in the reader's language. */
import type { SampleQuality } from '../api/types.ts';
import { t, type MessageKey } from '../i18n/index.ts';

const QUALITY_LABELS: Record<string, MessageKey> = {
  ok: 'quality.ok',
  stale: 'quality.stale',
  comm_loss: 'quality.comm_loss',
  sentinel: 'quality.sentinel',
  out_of_range: 'quality.out_of_range',
};

/** A sample older than this is shown dimmed: the device may have stopped reporting. */
export const OLD_SAMPLE_MS = 60_000;

export function QualityBadge(props: { quality: SampleQuality }) {
  return (
    <span class="quality" data-quality={props.quality}>
      {t(QUALITY_LABELS[props.quality] ?? 'quality.unknown')}
    </span>
  );
}
