/** Shows an API or network error plainly: what the server said, with its error code for support. */
import { Show } from 'solid-js';
import { ApiError } from '../api/client.ts';
import { t } from '../i18n/index.ts';

export function describeError(error: unknown): { title: string; message: string; code?: string } {
  if (error instanceof ApiError) {
    if (error.status === 0) return { title: t('error.network'), message: error.message, code: error.code };
    return { title: t('error.title'), message: error.message, code: `${error.status} ${error.code}` };
  }
  return { title: t('error.title'), message: error instanceof Error ? error.message : String(error) };
}

export function ErrorBanner(props: { error: unknown; onRetry?: () => void; onDismiss?: () => void }) {
  const described = () => describeError(props.error);
  return (
    <div class="error-banner" role="alert" data-testid="error-banner">
      <div class="error-text">
        <strong>{described().title}</strong>
        <span>{described().message}</span>
        <Show when={described().code}>{(code) => <code>{code()}</code>}</Show>
      </div>
      <Show when={props.onRetry}>
        {(retry) => <button type="button" onClick={() => retry()()}>{t('error.retry')}</button>}
      </Show>
      <Show when={props.onDismiss}>
        {(dismiss) => <button type="button" class="ghost" onClick={() => dismiss()()}>{t('error.dismiss')}</button>}
      </Show>
    </div>
  );
}
