import { Match, Show, Switch, onMount } from 'solid-js';
import { UpsPage } from './features/ups/UpsPage.tsx';
import { CmdbPage } from './features/cmdb/CmdbPage.tsx';
import { CMDB_HREF, UPS_HREF, currentRoute } from './features/cmdb/route.ts';
import { SignInForm } from './features/session/SignInForm.tsx';
import { t } from './i18n/index.ts';
import { restoreSession, session, signOut } from './stores/session.ts';
import { ConnectionIndicator } from './ui/ConnectionIndicator.tsx';
import { LanguageToggle } from './ui/LanguageToggle.tsx';

export function App() {
  onMount(() => void restoreSession());
  const user = () => {
    const current = session();
    return current.status === 'signedIn' ? current.user : undefined;
  };

  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">K</span>
          <span class="brand-name">{t('app.name')}</span>
          <span class="brand-tagline">{t('app.tagline')}</span>
        </div>
        <Show when={user()}>
          <nav class="area-nav" aria-label={t('nav.label')}>
            <a href={UPS_HREF} aria-current={currentRoute().area === 'ups' ? 'page' : undefined}>{t('nav.ups')}</a>
            <a href={CMDB_HREF} data-testid="nav-cmdb" aria-current={currentRoute().area === 'cmdb' ? 'page' : undefined}>{t('nav.cmdb')}</a>
          </nav>
        </Show>
        <span class="spacer" />
        <Show when={user()}><ConnectionIndicator /></Show>
        <LanguageToggle />
        <Show when={user()}>
          {(current) => (
            <>
              <span class="user">{t('app.signedInAs', { name: current().name, role: current().role })}</span>
              <button type="button" class="ghost" data-testid="sign-out" onClick={() => void signOut()}>
                {t('app.signOut')}
              </button>
            </>
          )}
        </Show>
      </header>
      <Switch>
        <Match when={session().status === 'checking'}>
          <main class="page"><p class="muted">{t('signIn.checking')}</p></main>
        </Match>
        <Match when={session().status === 'signedOut'}>
          <SignInForm />
        </Match>
        <Match when={user() && currentRoute().area === 'cmdb'}>
          <CmdbPage ciKey={(currentRoute() as { ciKey?: string }).ciKey} />
        </Match>
        <Match when={user()}>
          <UpsPage />
        </Match>
      </Switch>
    </div>
  );
}
