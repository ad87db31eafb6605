/** Asks for an API token when there is no session; the server answers with an HttpOnly cookie. */
import { Show, createSignal } from 'solid-js';
import { t } from '../../i18n/index.ts';
import { session, signIn } from '../../stores/session.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';

export function SignInForm() {
  const [token, setToken] = createSignal('');
  const [submitting, setSubmitting] = createSignal(false);
  const state = () => {
    const current = session();
    return current.status === 'signedOut' ? current : undefined;
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!token().trim() || submitting()) return;
    setSubmitting(true);
    try {
      if (await signIn(token())) setToken('');
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="panel sign-in-card" data-testid="sign-in-form" onSubmit={submit}>
        <h1>{t('signIn.title')}</h1>
        <p class="muted">{t('signIn.intro')}</p>
        <label for="api-token">{t('signIn.tokenLabel')}</label>
        <input
          id="api-token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={token()}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <Show when={state()?.rejected}>
          <p class="form-error" role="alert">{t('signIn.rejected')}</p>
        </Show>
        <Show when={state()?.error}>{(error) => <ErrorBanner error={error()} />}</Show>
        <button type="submit" class="primary" disabled={submitting()}>
          {submitting() ? t('signIn.submitting') : t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
