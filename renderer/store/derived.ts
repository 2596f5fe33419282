// What views compute from the state, pure: names, master labels, and the filtered, ordered list.

import type { Translate } from '../../shared/i18n';
import type { Instance, MasterInfo } from '../../engine/api/types';
import { applyOrder, matchesQuery, parseQuery } from '../lib/search';
import type { AppState, MasterState } from './app-state';

export function displayName(i: Pick<Instance, 'alias' | 'id'>): string {
  return i.alias || i.id;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The label kept in the state: '' for the local master without a name of its own (labelFor()
 *  shows that one in the current language). */
export function labelOf(m: Pick<MasterState, 'name' | 'local' | 'label' | 'url'>, info: MasterInfo | null): string {
  if (m.name) return m.name;
  if (info?.alias) return info.alias;
  return m.local ? '' : hostOf(m.url) || m.label;
}

/** What the UI calls a master, in the current language for the local one. */
export function labelFor(t: Translate, m: Pick<MasterState, 'label'> | undefined, fallback = ''): string {
  if (!m) return fallback;
  return m.label || t('master.local');
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The instance list after search and filters: in the user's order (drag to reorder) where there
 * is one, else by name, then ID. `masterName` names a master for `master:` searches.
 */
export function visibleKeys(
  s: Pick<AppState, 'instances' | 'query' | 'statusFilter' | 'typeFilter'>,
  order: readonly string[] = [],
  masterName: (master: string) => string = (master) => master,
): string[] {
  const terms = parseQuery(s.query.trim());
  const list = Object.values(s.instances)
    .filter((i) => s.statusFilter === 'all' || i.status === s.statusFilter)
    .filter((i) => s.typeFilter === 'all' || i.type === s.typeFilter)
    .filter((i) => terms.length === 0 || matchesQuery({ ...i, masterName: masterName(i.master) }, terms));
  const byKey = new Map(list.map((i) => [i.key, i]));
  const byName = (a: string, b: string) => {
    const x = byKey.get(a)!;
    const y = byKey.get(b)!;
    return collator.compare(displayName(x), displayName(y)) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  };
  return applyOrder([...byKey.keys()], order, byName);
}
