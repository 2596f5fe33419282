// Instance search, pure: every word of the query must match (AND). A plain word matches the name,
// ID, URL (address and targets) or any tag key or value; `tag:value`, `tag:key=value` or `#value`
// match tags only; `master:name` matches the master's name. Case-insensitive.

export interface Searchable {
  id: string;
  alias: string;
  url: string;
  meta?: { tags?: Record<string, string>; peer?: { alias?: string } };
  /** The master's display name. */
  masterName?: string;
}

type Term = { kind: 'any' | 'tag' | 'master'; key?: string; value: string };

export function parseQuery(q: string): Term[] {
  const terms: Term[] = [];
  // Quotes keep spaces: tag:"new york".
  for (const m of q.toLowerCase().matchAll(/(\S+?:)?"([^"]*)"|(\S+)/g)) {
    const raw = m[3] ?? `${m[1] ?? ''}${m[2]}`;
    if (!raw) continue;
    if (raw.startsWith('#') && raw.length > 1) terms.push({ kind: 'tag', value: raw.slice(1) });
    else if (raw.startsWith('tag:')) {
      const v = raw.slice(4);
      const eq = v.indexOf('=');
      terms.push(eq >= 0 ? { kind: 'tag', key: v.slice(0, eq), value: v.slice(eq + 1) } : { kind: 'tag', value: v });
    } else if (raw.startsWith('master:')) terms.push({ kind: 'master', value: raw.slice(7) });
    else terms.push({ kind: 'any', value: raw });
  }
  return terms;
}

function tagMatches(tags: Record<string, string>, t: Term): boolean {
  return Object.entries(tags).some(([k, v]) => {
    const kl = k.toLowerCase();
    const vl = v.toLowerCase();
    if (t.key !== undefined) return kl === t.key && (t.value === '' || vl.includes(t.value));
    return kl.includes(t.value) || vl.includes(t.value) || `${kl}=${vl}`.includes(t.value) || `${kl}:${vl}`.includes(t.value);
  });
}

export function matchesQuery(i: Searchable, terms: Term[]): boolean {
  const tags = i.meta?.tags ?? {};
  return terms.every((t) => {
    if (t.kind === 'tag') return tagMatches(tags, t);
    if (t.kind === 'master') return (i.masterName ?? '').toLowerCase().includes(t.value);
    return (
      i.alias.toLowerCase().includes(t.value) ||
      i.id.toLowerCase().includes(t.value) ||
      safeDecode(i.url).toLowerCase().includes(t.value) ||
      tagMatches(tags, t)
    );
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Moves `key` to where `before` is (or to the end when `before` is null); a new order array. */
export function moveKey(order: readonly string[], key: string, before: string | null): string[] {
  const out = order.filter((k) => k !== key);
  const at = before === null ? -1 : out.indexOf(before);
  if (at < 0) out.push(key);
  else out.splice(at, 0, key);
  return out;
}

/**
 * Sorts keys by the user's order; keys not in it yet come after, by `fallback` (name order), so a
 * new instance shows up at the end until it is dragged somewhere.
 */
export function applyOrder(keys: string[], order: readonly string[], fallback: (a: string, b: string) => number): string[] {
  const pos = new Map(order.map((k, n) => [k, n]));
  return [...keys].sort((a, b) => {
    const pa = pos.get(a);
    const pb = pos.get(b);
    if (pa !== undefined && pb !== undefined) return pa - pb;
    if (pa !== undefined) return -1;
    if (pb !== undefined) return 1;
    return fallback(a, b);
  });
}
