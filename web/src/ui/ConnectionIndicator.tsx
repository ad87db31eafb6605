/** Live / reconnecting badge for the tab's SSE stream. */
import { Show } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import { connectionState } from '../stores/liveStream.ts';

const LABELS: Record<string, MessageKey> = {
  connecting: 'connection.connecting',
  live: 'connection.live',
  reconnecting: 'connection.reconnecting',
  closed: 'connection.closed',
};

export function ConnectionIndicator() {
  return (
    <Show when={LABELS[connectionState()]}>
      {(label) => (
        <span class="connection" data-state={connectionState()} data-testid="connection-state" role="status">
          <span class="dot" aria-hidden="true" />
          {t(label())}
        </span>
      )}
    </Show>
  );
}
