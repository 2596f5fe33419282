// How components reach the services: PrefsContext (made once per page, there before sign-in) and
// ServicesContext (made once per session: app store, notifier, API factory), plus hooks that
// subscribe to one slice of a store. The language follows the preferences (I18nProvider).

import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppState, LogState } from '../store/app-state';
import type { NoticeState } from '../store/notifier';
import type { Prefs, PrefsStore } from '../store/prefs';
import type { Services } from '../store/services';
import { I18nProvider, pageLocale } from './i18n';

const PrefsContext = createContext<PrefsStore | null>(null);
const ServicesContext = createContext<Services | null>(null);

function Localised({ prefs, children }: { prefs: PrefsStore; children: ReactNode }) {
  const locale = useStore(prefs.state, (s) => s.locale);
  return <I18nProvider locale={pageLocale(locale)}>{children}</I18nProvider>;
}

/** The page's preferences and, once signed in, the session's services; the language with them. */
export function Providers({ prefs, services, children }: { prefs: PrefsStore; services?: Services; children: ReactNode }) {
  return (
    <PrefsContext.Provider value={prefs}>
      <ServicesContext.Provider value={services ?? null}>
        <Localised prefs={prefs}>{children}</Localised>
      </ServicesContext.Provider>
    </PrefsContext.Provider>
  );
}

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices() outside <Providers services={…}>');
  return s;
}

export function usePrefsStore(): PrefsStore {
  const p = useContext(PrefsContext);
  if (!p) throw new Error('usePrefsStore() outside <Providers>');
  return p;
}

/** One slice of the app state; the component re-renders when that slice changes. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useServices().store.state, selector);
}

export function useLogs<T>(selector: (s: LogState) => T): T {
  return useStore(useServices().store.logs, selector);
}

export function useNotices<T>(selector: (s: NoticeState) => T): T {
  return useStore(useServices().notifier.notices, selector);
}

export function usePrefs<T>(selector: (s: Prefs) => T): T {
  return useStore(usePrefsStore().state, selector);
}
