/**
 * Who is signed in, the theme and sign-out. A disclosure button with a menu that closes on Escape and on a
 * click elsewhere; every item is a real button reachable with Tab.
 */
import { For, Show, createSignal, onCleanup, onMount } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import type { SessionUser } from '../api/types.ts';
import { signOut } from '../stores/session.ts';
import { THEME_CHOICES, setThemeChoice, themeChoice, type ThemeChoice } from '../stores/theme.ts';

const THEME_LABEL: Record<ThemeChoice, MessageKey> = { system: 'shell.theme.system', dark: 'shell.theme.dark', light: 'shell.theme.light' };

export function UserMenu(props: { user: SessionUser }) {
  const [open, setOpen] = createSignal(false);
  let root: HTMLDivElement | undefined;
  let button: HTMLButtonElement | undefined;

  onMount(() => {
    const onDocumentClick = (event: MouseEvent) => { if (root && !root.contains(event.target as Node)) setOpen(false); };
    document.addEventListener('click', onDocumentClick);
    onCleanup(() => document.removeEventListener('click', onDocumentClick));
  });

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && open()) {
      setOpen(false);
      button?.focus();
    }
  };

  return (
    <div class="user-menu" ref={root} onKeyDown={onKeyDown}>
      <button
        ref={button}
        type="button"
        class="ghost user-button"
        data-testid="user-menu"
        aria-haspopup="true"
        aria-expanded={open()}
        aria-controls="user-menu-panel"
        onClick={() => setOpen(!open())}
      >
        <span class="avatar" aria-hidden="true">{props.user.name.slice(0, 1).toUpperCase()}</span>
        <span class="user-name">{props.user.name}</span>
      </button>
      <Show when={open()}>
        <div id="user-menu-panel" class="user-menu-panel" data-testid="user-menu-panel">
          <p class="user">{t('app.signedInAs', { name: props.user.name, role: t(`shell.role.${props.user.role}` as MessageKey) ?? props.user.role })}</p>
          <fieldset class="theme-choice">
            <legend>{t('shell.theme.label')}</legend>
            <For each={THEME_CHOICES}>
              {(choice) => (
                <label>
                  <input type="radio" name="theme" value={choice} data-testid={`theme-${choice}`}
                    checked={themeChoice() === choice} onChange={() => setThemeChoice(choice)} />
                  {t(THEME_LABEL[choice])}
                </label>
              )}
            </For>
          </fieldset>
          <button type="button" data-testid="sign-out" onClick={() => void signOut()}>{t('app.signOut')}</button>
        </div>
      </Show>
    </div>
  );
}
