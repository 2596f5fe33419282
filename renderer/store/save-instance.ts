// The form's submit: create an instance (optionally with its paired client, linked to it), or
// save an edit (the URL, then the name). A failure says which step failed.

import { formatNodePassUrl, parseNodePassUrl } from '../../engine/url/model';
import { keyOf } from './app-state';
import type { Core } from './core';
import { linkPeers } from './peers';

export interface CreateRequest {
  master: string;
  /** A valid instance URL (the form checked it). */
  url: string;
  alias: string;
  /** The client to create with a server, linked to it as its peer. */
  pair?: { url: string; alias: string };
}

export interface EditRequest {
  key: string;
  url: string;
  /** '' keeps the current name. */
  alias: string;
}

export type SaveStep = 'create' | 'pair' | 'replace' | 'alias';

export type SaveResult = { ok: true; key: string; paired: boolean } | { ok: false; step: SaveStep; error: string };

export async function createInstance(core: Core, req: CreateRequest): Promise<SaveResult> {
  const api = core.apiOf(req.master);
  const alias = req.alias.trim();
  const created = await api.createInstance({ url: req.url, ...(alias ? { alias } : {}) });
  if (!created.ok) return { ok: false, step: 'create', error: created.error };
  core.applyInstance(req.master, created.value);
  const key = keyOf(req.master, created.value.id);
  if (!req.pair) return { ok: true, key, paired: false };
  const client = await api.createInstance({ url: req.pair.url, ...(req.pair.alias ? { alias: req.pair.alias } : {}) });
  if (!client.ok) return { ok: false, step: 'pair', error: client.error };
  core.applyInstance(req.master, client.value);
  await linkPeers(core, req.master, created.value.id, client.value.id);
  return { ok: true, key, paired: true };
}

export async function editInstance(core: Core, req: EditRequest): Promise<SaveResult> {
  const editing = core.state.getState().instances[req.key];
  if (!editing) return { ok: false, step: 'replace', error: `instance ${req.key} is not known here` };
  const api = core.apiOf(editing.master);
  const current = parseNodePassUrl(editing.url);
  if (!(current.ok && formatNodePassUrl(current.value) === req.url)) {
    const r = await api.replaceInstance(editing.id, { url: req.url });
    // 409: the master already runs this very URL (written differently), which is what was asked.
    if (!r.ok && r.status !== 409) return { ok: false, step: 'replace', error: r.error };
    if (r.ok) core.applyInstance(editing.master, r.value);
  }
  const alias = req.alias.trim();
  if (alias !== '' && alias !== editing.alias) {
    const r = await api.updateInstance(editing.id, { alias });
    if (!r.ok) return { ok: false, step: 'alias', error: r.error };
    core.applyInstance(editing.master, r.value);
  }
  return { ok: true, key: req.key, paired: false };
}
