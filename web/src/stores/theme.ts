/**
 * Light or dark. Dark is for NOC wall screens and dim control rooms; "system" follows the operating system.
 * The choice is stored per browser and applied as `data-theme` on <html>; canvases (charts, floor plan)
 * redraw on the `kiban:theme` window event because they cannot follow CSS variables by themselves.
 */
import { createSignal } from 'solid-js';

export type ThemeChoice = 'system' | 'dark' | 'light';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'dark', 'light'];
const STORAGE_KEY = 'kiban.theme';

function stored(): ThemeChoice {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (value === 'dark' || value === 'light' || value === 'system') return value;
  } catch {
    // storage disabled: follow the system
  }
  return 'system';
}

const [themeChoice, setThemeChoiceSignal] = createSignal<ThemeChoice>(stored());
export { themeChoice };

const systemQuery = globalThis.matchMedia?.('(prefers-color-scheme: light)');

/** The theme in effect. */
export function effectiveTheme(choice: ThemeChoice = themeChoice()): 'dark' | 'light' {
  if (choice !== 'system') return choice;
  return systemQuery?.matches ? 'light' : 'dark';
}

export function applyTheme(): void {
  if (!globalThis.document) return;
  document.documentElement.dataset.theme = effectiveTheme();
  globalThis.dispatchEvent?.(new Event('kiban:theme'));
}

export function setThemeChoice(choice: ThemeChoice): void {
  setThemeChoiceSignal(choice);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, choice);
  } catch {
    // not persisted; applies to this tab
  }
  applyTheme();
}

systemQuery?.addEventListener?.('change', () => { if (themeChoice() === 'system') applyTheme(); });
