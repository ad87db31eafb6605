/** Identity of the UPS on screen: what it is and how Kiban reaches it. */
import { For, Show } from 'solid-js';
import type { Device } from '../../api/types.ts';
import { t, type MessageKey } from '../../i18n/index.ts';

export function DeviceHeader(props: { device: Device }) {
  const modelText = () => [props.device.vendor, props.device.model].filter(Boolean).join(' ');
  const facts = (): { label: MessageKey; value: string | null | undefined; mono?: boolean }[] => [
    { label: 'device.model', value: modelText() },
    { label: 'device.address', value: props.device.address, mono: true },
    { label: 'device.protocol', value: props.device.protocol?.toUpperCase() },
    { label: 'device.site', value: props.device.site },
  ];
  return (
    <section class="device-header" data-testid="device-header">
      <div class="device-title">
        <span class="kind-badge">{t('ups.pageTitle')}</span>
        <h1>{props.device.name}</h1>
      </div>
      <dl class="facts">
        <For each={facts()}>
          {(fact) => (
            <div>
              <dt>{t(fact.label)}</dt>
              <dd classList={{ mono: fact.mono }}>
                <Show when={fact.value} fallback={t('app.none')}>{fact.value}</Show>
              </dd>
            </div>
          )}
        </For>
      </dl>
    </section>
  );
}
