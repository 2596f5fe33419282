// Pairing a server and a client (NodePass's meta.peer): each end names the other, so the list and
// the detail page can show and follow the link. One implementation for the detail page's peer
// picker, the paired create in the form, and the links restored by an import.

import type { ApiResult } from '../../engine/api/contract';
import { keyOf, type InstRecord } from './app-state';
import type { Core } from './core';
import { displayName } from './derived';

export const NO_PEER = { sid: '', type: '', alias: '' };

const peerOf = (i: InstRecord) => ({ sid: i.id, type: i.type, alias: displayName(i) });

/**
 * Links instance `id` of a master with `peerId` (both ends point at each other), first unlinking
 * the partners either had before; `peerId` '' unlinks `id`. Both must be in the store.
 */
export async function linkPeers(core: Core, master: string, id: string, peerId: string): Promise<ApiResult<null>> {
  const all = core.state.getState().instances;
  const me = all[keyOf(master, id)];
  const other = peerId ? all[keyOf(master, peerId)] : undefined;
  if (!me || (peerId && !other)) return { ok: false, status: 404, error: `instance ${me ? peerId : id} is not known here` };
  const api = core.apiOf(master);
  const setPeer = async (target: string, peer: typeof NO_PEER) => {
    const r = await api.updateInstance(target, { meta: { peer } });
    if (r.ok) core.applyInstance(master, r.value);
    return r;
  };
  // An old partner left pointing at one of these two would show a link that is not there.
  for (const old of new Set([me.meta?.peer?.sid, other?.meta?.peer?.sid])) {
    if (old && old !== id && old !== peerId && all[keyOf(master, old)]) await setPeer(old, NO_PEER);
  }
  const mine = await setPeer(id, other ? peerOf(other) : NO_PEER);
  if (!mine.ok) return mine;
  if (other) {
    const back = await setPeer(other.id, peerOf(me));
    if (!back.ok) return back;
  }
  return { ok: true, value: null };
}
