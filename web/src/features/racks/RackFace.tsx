/**
 * One face of a rack drawn as U slots (HTML grid, top first, U numbers on the rails). Devices mounted on this
 * face are links to their CI with their live power; full-depth devices mounted on the other face show here
 * too, marked, because they fill the slot from behind. Empty ranges say how many U are free.
 */
import { For, Show } from 'solid-js';
import type { ElevationDevice, RackElevation } from '../../api/racks.ts';
import { formatNumber, t } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { gridRowOf, uRowsTopFirst } from './rackFormat.ts';

export type Face = 'front' | 'rear';

export function RackFace(props: { face: Face; elevation: RackElevation; powerOf(device: ElevationDevice): number | null }) {
  const rack = () => props.elevation.rack;
  const rows = () => uRowsTopFirst(rack().uHeight, rack().descendingUnits);
  const mounted = () => props.elevation.devices.filter((d) => d.face === props.face || d.fullDepth);
  const faceLabel = () => t(props.face === 'front' ? 'rack.face.front' : 'rack.face.rear');
  const uLabel = (d: ElevationDevice) => (d.uHeight > 1
    ? t('rack.device.uSpan', { from: d.positionU, to: d.positionU + d.uHeight - 1 })
    : t('rack.device.u', { u: d.positionU }));

  return (
    <figure class="rack-face" data-face={props.face} data-testid={`rack-face-${props.face}`}>
      <figcaption>{faceLabel()}</figcaption>
      <div class="rack-frame" style={{ 'grid-template-rows': `repeat(${rack().uHeight}, var(--rack-u-height))` }}>
        <For each={rows()}>
          {(u, i) => (
            <>
              <span class="u-num" aria-hidden="true" style={{ 'grid-row': `${i() + 1}`, 'grid-column': '1' }}>{u}</span>
              <span class="u-slot" aria-hidden="true" style={{ 'grid-row': `${i() + 1}`, 'grid-column': '2' }} />
              <span class="u-num" aria-hidden="true" style={{ 'grid-row': `${i() + 1}`, 'grid-column': '3' }}>{u}</span>
            </>
          )}
        </For>
        <For each={props.elevation.emptyRanges.filter((r) => r.size >= 2)}>
          {(range) => (
            <span
              class="u-free"
              data-free-from={range.from}
              style={{ 'grid-row': `${gridRowOf(range.from, range.size, rack().uHeight, rack().descendingUnits)} / span ${range.size}`, 'grid-column': '2' }}
            >
              {t('rack.free', { n: range.size })}
            </span>
          )}
        </For>
        <For each={mounted()}>
          {(device) => {
            const fromBehind = device.face !== props.face;
            const power = () => props.powerOf(device);
            return (
              <a
                class="rack-device"
                classList={{ 'from-behind': fromBehind, tall: device.uHeight > 1 }}
                href={href.ci(device.key)}
                data-key={device.key}
                data-u={device.positionU}
                data-height={device.uHeight}
                data-face={props.face}
                data-type={device.type}
                data-testid="rack-device"
                title={[device.name, device.model, uLabel(device), fromBehind ? t('rack.device.fromBehind', { face: t(device.face === 'front' ? 'rack.face.front' : 'rack.face.rear') }) : ''].filter(Boolean).join(' · ')}
                style={{ 'grid-row': `${gridRowOf(device.positionU, device.uHeight, rack().uHeight, rack().descendingUnits)} / span ${device.uHeight}`, 'grid-column': '2' }}
              >
                <span class="dev-name">{device.name}</span>
                <span class="visually-hidden">, {uLabel(device)}</span>
                <Show when={fromBehind}>
                  <span class="dev-tag">{t('rack.device.fullDepth')}</span>
                </Show>
                <Show when={!fromBehind && power() !== null}>
                  <span class="dev-power" data-testid="device-power">{formatNumber(power()!, 0)} W</span>
                </Show>
              </a>
            );
          }}
        </For>
      </div>
    </figure>
  );
}
