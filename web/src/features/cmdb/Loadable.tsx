/**
 * Renders a resource of one CI page panel: the error with a retry button, a loading line, or the value.
 * Keeps the last value while a refetch runs, so saving a CI does not blank the page.
 */
import { Match, Switch, type JSX, type Resource } from 'solid-js';
import { t } from '../../i18n/index.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';

/**
 * The resource's value, the previous one while it reloads, undefined while loading or failed.
 * (Reading `latest` of a failed resource throws, which would take the page down.)
 */
export function settled<T>(resource: Resource<T>): T | undefined {
  return resource.state === 'ready' || resource.state === 'refreshing' ? resource.latest : undefined;
}

export function Loadable<T extends object>(props: {
  resource: Resource<T>;
  onRetry: () => void;
  children: (value: T) => JSX.Element;
}) {
  return (
    <Switch fallback={<p class="muted">{t('app.loading')}</p>}>
      <Match when={props.resource.state === 'errored'}>
        <ErrorBanner error={props.resource.error} onRetry={props.onRetry} />
      </Match>
      <Match when={settled(props.resource)} keyed>
        {(value: T) => props.children(value)}
      </Match>
    </Switch>
  );
}
