// The one door for user-visible text, in the window and the tray alike. A language is a catalogue
// (messages keyed like the English one, plus its names for URL parameters); translator(locale)
// turns one into a t() function. Nothing here is global: whoever shows text holds the translator
// of the language it shows, and a language switch is a new translator.

import { en, type MessageKey } from './en';
import { zh, zhParams } from './zh';

export type { MessageKey } from './en';
export type Vars = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

export interface Catalogue {
  /** Messages by key; a missing one falls back to English, then to the key itself. */
  messages: Partial<Record<MessageKey, string>>;
  /** URL parameter name → [label, hint]; a parameter missing here keeps the engine's English text. */
  params?: Readonly<Record<string, readonly [string, string]>>;
}

export const CATALOGUES: Readonly<Record<string, Catalogue>> = {
  en: { messages: en },
  zh: { messages: zh, params: zhParams },
};

/** The languages there are catalogues for. */
export const LOCALES: readonly string[] = Object.keys(CATALOGUES);

export interface Translator {
  /** The language it speaks (English when the one asked for has no catalogue). */
  readonly locale: string;
  readonly t: Translate;
  /** This language's label for a URL parameter; undefined when only the engine's English one exists. */
  paramLabel(name: string): string | undefined;
  /** This language's description of what a URL parameter accepts; undefined likewise. */
  paramHint(name: string): string | undefined;
}

function fill(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export function translator(locale: string, catalogues: Readonly<Record<string, Catalogue>> = CATALOGUES): Translator {
  const name = catalogues[locale] ? locale : 'en';
  const c = catalogues[name] ?? CATALOGUES.en;
  return {
    locale: name,
    t: (key, vars) => fill(c.messages[key] ?? en[key] ?? key, vars),
    paramLabel: (param) => c.params?.[param]?.[0],
    paramHint: (param) => c.params?.[param]?.[1],
  };
}

/** The language to show: the user's choice, else the system's when we speak it, else English. */
export function resolveLocale(choice: string, system: string, catalogues: Readonly<Record<string, Catalogue>> = CATALOGUES): string {
  if (choice && catalogues[choice]) return choice;
  return system.toLowerCase().startsWith('zh') && catalogues.zh ? 'zh' : 'en';
}
