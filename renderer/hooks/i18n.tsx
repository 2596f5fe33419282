// The page's language for components: one translator, provided at the root for the language in
// the preferences (or the browser's), read with useT(). Switching language provides a new one.

import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { resolveLocale, translator, type Translate, type Translator } from '../../shared/i18n';

const I18nContext = createContext<Translator>(translator('en'));

/** The language to show for a choice from the preferences ('' = the browser's). */
export function pageLocale(choice: string): string {
  return resolveLocale(choice, typeof navigator !== 'undefined' ? navigator.language : 'en');
}

export function I18nProvider({ locale, children }: { locale: string; children: ReactNode }) {
  const tr = useMemo(() => translator(locale), [locale]);
  return <I18nContext.Provider value={tr}>{children}</I18nContext.Provider>;
}

export function useTranslator(): Translator {
  return useContext(I18nContext);
}

export function useT(): Translate {
  return useContext(I18nContext).t;
}
