// What the form calls a URL parameter and what it accepts: the language's own words when its
// catalogue has them, else the engine's parameter table (English).

import type { Translator } from '../../shared/i18n';
import { PARAM_BY_NAME } from '../../engine/url/params';

export function paramLabel(tr: Translator, name: string): string {
  return tr.paramLabel(name) ?? PARAM_BY_NAME.get(name)?.label ?? name;
}

export function paramHint(tr: Translator, name: string): string {
  return tr.paramHint(name) ?? PARAM_BY_NAME.get(name)?.expected ?? '';
}
