/** The site being looked at; hidden choice when there is only one site (its name is still shown). */
import { For, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { selectSite, siteKey, sites } from '../stores/site.ts';

export function SiteSwitcher() {
  return (
    <div class="site-switcher" data-testid="site-switcher">
      <Show
        when={sites().length > 1}
        fallback={<span class="site-name" title={t('shell.site.label')}>{sites()[0]?.name ?? t('shell.site.none')}</span>}
      >
        <label class="visually-hidden" for="site-select">{t('shell.site.label')}</label>
        <select id="site-select" value={siteKey() ?? ''} onChange={(e) => selectSite(e.currentTarget.value)}>
          <For each={sites()}>{(site) => <option value={site.key}>{site.name}</option>}</For>
        </select>
      </Show>
    </div>
  );
}
