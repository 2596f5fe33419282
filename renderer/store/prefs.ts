// User preferences kept in localStorage: theme (light, dark or the system's), language,
// notifications (on/off, muted instances) and the user's order of the instance list.

import { create } from 'zustand';

export type ThemeChoice = 'light' | 'dark' | 'system';
export type Theme = 'light' | 'dark';

const KEY = 'npd.prefs';

export interface Prefs {
  themeChoice: ThemeChoice;
  /** The theme in effect (the system's when themeChoice is 'system'). */
  theme: Theme;
  /** '' = follow the browser / system language. */
  locale: string;
  notifications: boolean;
  muted: Record<string, true>;
  order: string[];
}

const systemDark = () => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;

function load(): Prefs {
  const defaults: Prefs = { themeChoice: 'system', theme: systemDark() ? 'dark' : 'light', locale: '', notifications: true, muted: {}, order: [] };
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs> & { theme?: string };
    // Older saves had only `theme` (light/dark): that was an explicit choice.
    const choice: ThemeChoice =
      saved.themeChoice === 'light' || saved.themeChoice === 'dark' || saved.themeChoice === 'system'
        ? saved.themeChoice
        : saved.theme === 'light' || saved.theme === 'dark'
          ? saved.theme
          : 'system';
    return {
      themeChoice: choice,
      theme: choice === 'system' ? defaults.theme : choice,
      locale: typeof saved.locale === 'string' ? saved.locale : '',
      notifications: saved.notifications !== false,
      muted: saved.muted && typeof saved.muted === 'object' ? (saved.muted as Record<string, true>) : {},
      order: Array.isArray(saved.order) ? saved.order.filter((k): k is string => typeof k === 'string') : [],
    };
  } catch {
    return defaults;
  }
}

export const usePrefs = create<Prefs>(load);

function persist(): void {
  try {
    const { themeChoice, locale, notifications, muted, order } = usePrefs.getState();
    localStorage.setItem(KEY, JSON.stringify({ themeChoice, locale, notifications, muted, order }));
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

export function setThemeChoice(choice: ThemeChoice): void {
  const theme: Theme = choice === 'system' ? (systemDark() ? 'dark' : 'light') : choice;
  usePrefs.setState({ themeChoice: choice, theme });
  applyTheme(theme);
  persist();
}

/** The quick toggle: an explicit light or dark. */
export function setTheme(theme: Theme): void {
  setThemeChoice(theme);
}

/** Follows the system while the choice is 'system'. */
export function watchSystemTheme(): void {
  if (typeof matchMedia !== 'function') return;
  matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    if (usePrefs.getState().themeChoice === 'system') setThemeChoice('system');
  });
}

export function setPrefs(patch: Partial<Pick<Prefs, 'locale' | 'notifications' | 'muted' | 'order'>>): void {
  usePrefs.setState(patch);
  persist();
}

export function toggleMuted(key: string): void {
  const muted = { ...usePrefs.getState().muted };
  if (muted[key]) delete muted[key];
  else muted[key] = true;
  setPrefs({ muted });
}
