// User preferences kept in localStorage (theme now; language and more later).

import { create } from 'zustand';

export type Theme = 'light' | 'dark';

const KEY = 'npd.prefs';

interface Prefs {
  theme: Theme;
}

function load(): Prefs {
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  const defaults: Prefs = { theme: dark ? 'dark' : 'light' };
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
    return { ...defaults, ...(saved.theme === 'light' || saved.theme === 'dark' ? { theme: saved.theme } : {}) };
  } catch {
    return defaults;
  }
}

export const usePrefs = create<Prefs>(load);

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

export function setTheme(theme: Theme): void {
  usePrefs.setState({ theme });
  applyTheme(theme);
  try {
    localStorage.setItem(KEY, JSON.stringify(usePrefs.getState()));
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}
