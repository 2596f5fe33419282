// Import of an export file onto one master: each instance is created with its name, tags and
// restart flag, then the peer links between imported instances are restored on the new IDs.

import { relinkPeers, type ExportedInstance } from '../lib/transfer';
import type { Core } from './core';
import { linkPeers } from './peers';

export interface ImportResult {
  created: number;
  /** Instances the master refused, by name (or URL) with its message. */
  failed: { name: string; error: string }[];
}

export async function importInstances(core: Core, master: string, list: readonly ExportedInstance[]): Promise<ImportResult> {
  const api = core.apiOf(master);
  const newIds = new Map<string, string>();
  const failed: ImportResult['failed'] = [];
  for (const i of list) {
    const r = await api.createInstance({ alias: i.alias || undefined, url: i.url });
    if (!r.ok) {
      failed.push({ name: i.alias || i.url, error: r.error });
      continue;
    }
    if (i.id) newIds.set(i.id, r.value.id);
    const tags = Object.keys(i.meta.tags).length ? i.meta.tags : undefined;
    if (tags || !i.restart) {
      const u = await api.updateInstance(r.value.id, { ...(tags ? { meta: { tags } } : {}), ...(!i.restart ? { restart: false } : {}) });
      core.applyInstance(master, u.ok ? u.value : r.value);
    } else core.applyInstance(master, r.value);
  }
  // Each link names both ends; linking one end links the other.
  const linked = new Set<string>();
  for (const [id, peer] of relinkPeers(list, newIds)) {
    if (linked.has(id)) continue;
    await linkPeers(core, master, id, peer.sid);
    linked.add(id).add(peer.sid);
  }
  return { created: list.length - failed.length, failed };
}
