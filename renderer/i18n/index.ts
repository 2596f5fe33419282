// The one door for user-visible text. Every string the UI (and the tray) shows goes through t(),
// so another language is one more dictionary with the same keys. Parameter labels come from the
// engine's parameter table unless a dictionary overrides them.

import { PARAM_BY_NAME } from '../../engine/url/params';
import { en, type MessageKey } from './en';

export type { MessageKey } from './en';
export type Dictionary = Partial<Record<MessageKey, string>>;
export type Vars = Record<string, string | number>;

const dictionaries: Record<string, Dictionary> = { en };
let locale = 'en';

export function registerLocale(name: string, dict: Dictionary): void {
  dictionaries[name] = dict;
}

export function setLocale(name: string): void {
  if (dictionaries[name]) locale = name;
}

export function getLocale(): string {
  return locale;
}

export function availableLocales(): string[] {
  return Object.keys(dictionaries);
}

function fill(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** The text for `key` in the current language (English when missing), with `{name}` filled. */
export function t(key: MessageKey, vars?: Vars): string {
  return fill(dictionaries[locale]?.[key] ?? en[key] ?? key, vars);
}

/** A form label for a URL parameter. */
export function paramLabel(name: string): string {
  const k = `param.${name}` as MessageKey;
  return dictionaries[locale]?.[k] ?? PARAM_BY_NAME.get(name)?.label ?? name;
}

/** What a parameter accepts, for hints. */
export function paramHint(name: string): string {
  const k = `paramHint.${name}` as MessageKey;
  return dictionaries[locale]?.[k] ?? PARAM_BY_NAME.get(name)?.expected ?? '';
}

/** The language to show: the user's choice, else the system's when we speak it, else English. */
export function resolveLocale(choice: string, system = typeof navigator !== 'undefined' ? navigator.language : 'en'): string {
  if (choice && dictionaries[choice]) return choice;
  return system.toLowerCase().startsWith('zh') && dictionaries.zh ? 'zh' : 'en';
}
