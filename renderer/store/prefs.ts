// The user's preferences, kept in the page's storage: theme (light, dark or the system's),
// language, notifications (on/off, muted instances) and the user's order of the instance list.
// The storage and the system theme are handed in, so this runs (and is tested) without a DOM.

import { createStore, type StoreApi } from 'zustand/vanilla';

export type ThemeChoice = 'light' | 'dark' | 'system';
export type Theme = 'light' | 'dark';

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

export type PrefsPatch = Partial<Pick<Prefs, 'locale' | 'notifications' | 'muted' | 'order'>>;

export interface PrefsOptions {
  /** Where the preferences live (localStorage in the page); null keeps them for this page only. */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** The system's theme now. */
  systemTheme: () => Theme;
}

export interface PrefsStore {
  readonly state: StoreApi<Prefs>;
  setThemeChoice(choice: ThemeChoice): void;
  /** The quick toggle: an explicit light or dark. */
  setTheme(theme: Theme): void;
  /** The system theme changed: follow it while the choice is 'system'. */
  systemThemeChanged(): void;
  set(patch: PrefsPatch): void;
  toggleMuted(key: string): void;
  /** Drops what is kept for instance keys with this prefix (a master removed from the fleet). */
  forget(prefix: string): void;
}

const KEY = 'npd.prefs';

function load(o: PrefsOptions): Prefs {
  const defaults: Prefs = { themeChoice: 'system', theme: o.systemTheme(), locale: '', notifications: true, muted: {}, order: [] };
  try {
    const saved = JSON.parse(o.storage?.getItem(KEY) ?? '{}') as Partial<Prefs> & { theme?: string };
    // A save without themeChoice holds an explicit light or dark in `theme`.
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

export function createPrefs(o: PrefsOptions): PrefsStore {
  const state = createStore<Prefs>(() => load(o));

  const persist = () => {
    try {
      const { themeChoice, locale, notifications, muted, order } = state.getState();
      o.storage?.setItem(KEY, JSON.stringify({ themeChoice, locale, notifications, muted, order }));
    } catch {
      // Private mode or a full storage: the choice lasts for this page only.
    }
  };

  const set = (patch: PrefsPatch) => {
    state.setState(patch);
    persist();
  };

  const setThemeChoice = (choice: ThemeChoice) => {
    state.setState({ themeChoice: choice, theme: choice === 'system' ? o.systemTheme() : choice });
    persist();
  };

  return {
    state,
    setThemeChoice,
    setTheme: (theme) => setThemeChoice(theme),
    systemThemeChanged() {
      if (state.getState().themeChoice === 'system') setThemeChoice('system');
    },
    set,
    toggleMuted(key) {
      const muted = { ...state.getState().muted };
      if (muted[key]) delete muted[key];
      else muted[key] = true;
      set({ muted });
    },
    forget(prefix) {
      const { muted, order } = state.getState();
      const keep = (k: string) => !k.startsWith(prefix);
      const kept = Object.fromEntries(Object.entries(muted).filter(([k]) => keep(k))) as Record<string, true>;
      if (Object.keys(kept).length === Object.keys(muted).length && order.every(keep)) return;
      set({ muted: kept, order: order.filter(keep) });
    },
  };
}
