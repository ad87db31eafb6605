/**
 * The application shell: top bar (brand, site, search, connection, language, user menu), navigation by area,
 * and the page of the current route. Areas that arrive with later issues (Energy, Alarms, Capacity,
 * Incidents, Reports) add an entry to NAV_AREAS and a Match below.
 */
import { For, Match, Show, Switch, createEffect, onMount } from 'solid-js';
import { AdminPage } from './features/admin/AdminPage.tsx';
import { CmdbPage } from './features/cmdb/CmdbPage.tsx';
import { CoolingPage } from './features/cooling/CoolingPage.tsx';
import { DevicePage } from './features/device/DevicePage.tsx';
import { PointPage } from './features/device/PointPage.tsx';
import { FloorPage } from './features/floor/FloorPage.tsx';
import { OverviewPage } from './features/overview/OverviewPage.tsx';
import { PowerPage } from './features/power/PowerPage.tsx';
import { RackPage } from './features/racks/RackPage.tsx';
import { RacksPage } from './features/racks/RacksPage.tsx';
import { SignInForm } from './features/session/SignInForm.tsx';
import { UpsPage } from './features/ups/UpsPage.tsx';
import { t, type MessageKey } from './i18n/index.ts';
import { GlobalSearch } from './shell/GlobalSearch.tsx';
import { AREAS, areaHref, areaOf, currentRoute, type Area, type AppRoute } from './shell/route.ts';
import { SiteSwitcher } from './shell/SiteSwitcher.tsx';
import { UserMenu } from './shell/UserMenu.tsx';
import { restoreSession, session } from './stores/session.ts';
import { loadSites, siteKey } from './stores/site.ts';
import { applyTheme } from './stores/theme.ts';
import { ConnectionIndicator } from './ui/ConnectionIndicator.tsx';
import { LanguageToggle } from './ui/LanguageToggle.tsx';

const AREA_LABEL: Record<Area, MessageKey> = {
  overview: 'nav.overview', floor: 'nav.floor', racks: 'nav.racks', power: 'nav.power',
  cooling: 'nav.cooling', cmdb: 'nav.cmdb', admin: 'nav.admin',
};

/** Small inline icons (decorative: the label is the link text). */
const AREA_ICON: Record<Area, string> = {
  overview: 'M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h7v7h-7z',
  floor: 'M3 3h18v18H3zM3 9h18M3 15h18M9 3v18M15 3v18',
  racks: 'M6 2h12v20H6zM6 7h12M6 12h12M6 17h12',
  power: 'M13 2L4 14h7l-1 8 9-12h-7z',
  cooling: 'M12 2v20M4.9 7l14.2 10M4.9 17L19.1 7',
  cmdb: 'M4 6c0-2 16-2 16 0v12c0 2-16 2-16 0zM4 6c0 2 16 2 16 0M4 12c0 2 16 2 16 0',
  admin: 'M12 8a4 4 0 100 8 4 4 0 000-8zM12 2v3M12 19v3M2 12h3M19 12h3',
};

function routeKey<K extends string>(route: AppRoute, key: K): string | undefined {
  return (route as unknown as Record<K, string | undefined>)[key];
}

export function App() {
  onMount(() => {
    applyTheme();
    void restoreSession();
  });
  const user = () => {
    const current = session();
    return current.status === 'signedIn' ? current.user : undefined;
  };
  createEffect(() => {
    if (user()) void loadSites().catch(() => { /* the pages show their own errors */ });
  });
  const route = currentRoute;
  const is = (area: AppRoute['area']) => user() !== undefined && route().area === area;

  return (
    <div class="app" classList={{ 'signed-in': user() !== undefined }}>
      <a class="skip-link" href="#main">{t('shell.skipToContent')}</a>
      <header class="topbar">
        <a class="brand" href="#/overview">
          <span class="logo" aria-hidden="true">K</span>
          <span class="brand-name">{t('app.name')}</span>
          <span class="brand-tagline">{t('app.tagline')}</span>
        </a>
        <Show when={user()}>
          <SiteSwitcher />
          <GlobalSearch />
        </Show>
        <span class="spacer" />
        <Show when={user()}><ConnectionIndicator /></Show>
        <LanguageToggle />
        <Show when={user()}>{(current) => <UserMenu user={current()} />}</Show>
      </header>
      <div class="layout">
        <Show when={user()}>
          <nav class="area-nav" aria-label={t('nav.label')} data-testid="area-nav">
            <ul>
              <For each={AREAS}>
                {(area) => (
                  <li>
                    <a href={areaHref(area)} data-testid={`nav-${area}`} aria-current={areaOf(route()) === area ? 'page' : undefined}>
                      <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><path d={AREA_ICON[area]} /></svg>
                      <span>{t(AREA_LABEL[area])}</span>
                    </a>
                  </li>
                )}
              </For>
            </ul>
          </nav>
        </Show>
        <div id="main" class="main" tabindex="-1">
          <Switch>
            <Match when={session().status === 'checking'}>
              <main class="page"><p class="muted">{t('signIn.checking')}</p></main>
            </Match>
            <Match when={session().status === 'signedOut'}>
              <SignInForm />
            </Match>
            <Match when={is('overview')}><OverviewPage siteKey={siteKey()} /></Match>
            <Match when={is('floor')}><FloorPage siteKey={siteKey()} roomKey={routeKey(route(), 'roomKey')} /></Match>
            <Match when={is('racks') && routeKey(route(), 'rackKey')}>{(key) => <RackPage rackKey={key()} />}</Match>
            <Match when={is('racks')}><RacksPage siteKey={siteKey()} /></Match>
            <Match when={is('power')}><PowerPage siteKey={siteKey()} /></Match>
            <Match when={is('cooling')}><CoolingPage siteKey={siteKey()} /></Match>
            <Match when={is('cmdb')}><CmdbPage ciKey={routeKey(route(), 'ciKey')} /></Match>
            <Match when={is('admin')}><AdminPage /></Match>
            <Match when={is('device') && routeKey(route(), 'device')}>{(name) => <DevicePage device={name()} />}</Match>
            <Match when={is('point') && routeKey(route(), 'point')}>{(key) => <PointPage point={key()} />}</Match>
            <Match when={is('ups')}><UpsPage /></Match>
          </Switch>
        </div>
      </div>
    </div>
  );
}
