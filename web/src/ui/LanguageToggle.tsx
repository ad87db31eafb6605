import { For } from 'solid-js';
import { LOCALES, LOCALE_NAMES, locale, setLocale, t } from '../i18n/index.ts';

export function LanguageToggle() {
  return (
    <div class="segmented" role="group" aria-label={t('app.language')}>
      <For each={LOCALES}>
        {(code) => (
          <button type="button" lang={code} data-testid={`lang-${code}`} aria-pressed={locale() === code} onClick={() => setLocale(code)}>
            {LOCALE_NAMES[code]}
          </button>
        )}
      </For>
    </div>
  );
}
