// Import / export of instances as JSON, pure. Secrets stay out unless asked for: the tunnel key in
// a URL's user part and the `crt`/`key` certificate paths. The export lists what it left out, per
// instance, so nobody mistakes a stripped file for a complete one; an import of such a file
// creates instances without those parts (the key then derives from the port, as NodePass does).

const EXPORT_FORMAT = 'nodepass-desktop-instances';

export interface ExportedInstance {
  /** The ID on the master it came from (an import links `meta.peer.sid` to the new IDs). */
  id?: string;
  alias: string;
  url: string;
  restart: boolean;
  meta: { peer: { sid: string; type: string; alias: string }; tags: Record<string, string> };
  /** What was taken out of this instance (`tunnel key`, `crt`, `key`). */
  omitted?: string[];
}

export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: 1;
  exportedAt: string;
  secrets: boolean;
  /** A human sentence saying what is missing, when secrets were left out. */
  note?: string;
  instances: ExportedInstance[];
}

export interface SourceInstance {
  id?: string;
  alias: string;
  url: string;
  restart: boolean;
  meta?: { peer?: { sid: string; type: string; alias: string }; tags?: Record<string, string> };
}

/** The URL without its secrets, and what was removed. */
export function stripSecrets(url: string): { url: string; omitted: string[] } {
  const omitted: string[] = [];
  const m = /^([a-z]+:\/\/)([^@/?#]*@)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return { url, omitted };
  const [, scheme, user, rest, query, frag] = m;
  if (user && user !== '@') omitted.push('tunnel key');
  let q = query ?? '';
  if (q) {
    const kept = q
      .slice(1)
      .split('&')
      .filter((p) => {
        const name = p.split('=')[0].toLowerCase();
        if ((name === 'crt' || name === 'key') && p.includes('=') && p.split('=')[1] !== '') {
          omitted.push(name);
          return false;
        }
        return true;
      });
    q = kept.length ? `?${kept.join('&')}` : '';
  }
  return { url: `${scheme}${rest}${q}${frag ?? ''}`, omitted };
}

export function exportInstances(list: readonly SourceInstance[], o: { secrets: boolean; now?: Date }): ExportFile {
  const instances: ExportedInstance[] = list.map((i) => {
    const meta = { peer: { sid: '', type: '', alias: '', ...(i.meta?.peer ?? {}) }, tags: { ...(i.meta?.tags ?? {}) } };
    const id = i.id ? { id: i.id } : {};
    if (o.secrets) return { ...id, alias: i.alias, url: i.url, restart: i.restart, meta };
    const s = stripSecrets(i.url);
    return { ...id, alias: i.alias, url: s.url, restart: i.restart, meta, ...(s.omitted.length ? { omitted: s.omitted } : {}) };
  });
  const stripped = instances.filter((i) => i.omitted?.length).length;
  return {
    format: EXPORT_FORMAT,
    version: 1,
    exportedAt: (o.now ?? new Date()).toISOString(),
    secrets: o.secrets,
    ...(o.secrets
      ? {}
      : {
          note:
            stripped > 0
              ? `Secrets left out: tunnel keys and certificate paths (crt, key) of ${stripped} instance(s), listed under "omitted".`
              : 'Secrets would have been left out; none of these instances has any.',
        }),
    instances,
  };
}

export type ImportResult = { ok: true; value: ExportedInstance[]; secrets: boolean; omitted: number } | { ok: false; error: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads an export file (ours), checking every field; the error names the first bad one. */
export function parseImport(text: string): ImportResult {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (!isObj(j) || j.format !== EXPORT_FORMAT) return { ok: false, error: `format: expected "${EXPORT_FORMAT}"` };
  if (j.version !== 1) return { ok: false, error: `version: expected 1, got ${JSON.stringify(j.version)}` };
  if (!Array.isArray(j.instances)) return { ok: false, error: 'instances: expected a list' };
  const out: ExportedInstance[] = [];
  let omitted = 0;
  for (const [n, raw] of j.instances.entries()) {
    const at = `instances[${n}]`;
    if (!isObj(raw)) return { ok: false, error: `${at}: expected an object` };
    if (typeof raw.url !== 'string' || !/^(server|client):\/\//i.test(raw.url)) return { ok: false, error: `${at}.url: expected a server:// or client:// URL` };
    if (raw.alias !== undefined && typeof raw.alias !== 'string') return { ok: false, error: `${at}.alias: expected text` };
    if (raw.restart !== undefined && typeof raw.restart !== 'boolean') return { ok: false, error: `${at}.restart: expected true or false` };
    const meta = isObj(raw.meta) ? raw.meta : {};
    const tags: Record<string, string> = {};
    if (meta.tags !== undefined) {
      if (!isObj(meta.tags)) return { ok: false, error: `${at}.meta.tags: expected an object of texts` };
      for (const [k, v] of Object.entries(meta.tags)) {
        if (typeof v !== 'string') return { ok: false, error: `${at}.meta.tags.${k}: expected text` };
        tags[k] = v;
      }
    }
    const p = isObj(meta.peer) ? meta.peer : {};
    const peer = { sid: String(p.sid ?? ''), type: String(p.type ?? ''), alias: String(p.alias ?? '') };
    const om = Array.isArray(raw.omitted) ? raw.omitted.filter((x): x is string => typeof x === 'string') : [];
    if (om.length) omitted++;
    out.push({ ...(typeof raw.id === 'string' ? { id: raw.id } : {}), alias: typeof raw.alias === 'string' ? raw.alias : '', url: raw.url, restart: raw.restart !== false, meta: { peer, tags }, ...(om.length ? { omitted: om } : {}) });
  }
  return { ok: true, value: out, secrets: j.secrets === true, omitted };
}

/** Peer links of imported instances pointed at the old IDs: map them to the new ones. */
export function relinkPeers(imported: readonly ExportedInstance[], newIds: ReadonlyMap<string, string>): Map<string, ExportedInstance['meta']['peer']> {
  const out = new Map<string, ExportedInstance['meta']['peer']>();
  for (const i of imported) {
    if (!i.id || !i.meta.peer.sid) continue;
    const self = newIds.get(i.id);
    const peer = newIds.get(i.meta.peer.sid);
    if (self && peer) out.set(self, { ...i.meta.peer, sid: peer });
  }
  return out;
}
