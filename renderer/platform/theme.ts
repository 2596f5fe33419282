// The theme on the page: the system's preference (and its changes) in, the chosen theme out to the
// document (CSS variables key off data-theme).

import type { Theme } from '../store/prefs';

const DARK = '(prefers-color-scheme: dark)';

export function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia(DARK).matches ? 'dark' : 'light';
}

export function watchSystemTheme(onChange: () => void): void {
  if (typeof matchMedia !== 'function') return;
  matchMedia(DARK).addEventListener?.('change', onChange);
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}
