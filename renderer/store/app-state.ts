// The shape of the app's state: every master of the fleet and every instance on them, keyed by
// master (an instance's key is `<master>/<id>`), plus what the list shows (filters, selection,
// rates, actions in flight) and the toasts. Logs are a store of their own: they change often and
// only the log view reads them.

import type { Translate } from '../../shared/i18n';
import type { Rate } from '../../shared/traffic';
import type { Instance, MasterInfo } from '../../engine/api/types';
import type { LogEntry } from '../lib/logline';

export interface MasterState {
  id: string;
  /** What the UI calls it (the user's name for it, else the master's alias, else its address). */
  label: string;
  /** The user's name for it ('' = none). */
  name: string;
  /** The API base (for remote masters; '' when not known). */
  url: string;
  local: boolean;
  fingerprint: string;
  connected: boolean;
  info: MasterInfo | null;
  /** When `info` was fetched (its uptime counts from then). */
  infoAt: number;
}

export interface InstRecord extends Instance {
  master: string;
  key: string;
}

export type StatusFilter = 'all' | 'running' | 'stopped' | 'error';
export type TypeFilter = 'all' | 'server' | 'client';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  /** A function when the text is ours: it is rendered in whatever language is current, so a
   *  toast raised just before the user switches language does not stay in the old one. */
  text: string | ((t: Translate) => string);
}

export interface AppState {
  masters: Record<string, MasterState>;
  instances: Record<string, InstRecord>;
  rates: Record<string, Rate>;
  selected: Record<string, true>;
  query: string;
  statusFilter: StatusFilter;
  typeFilter: TypeFilter;
  /** Actions in flight per instance key (buttons show progress, not double-submit). */
  busy: Record<string, string>;
  toasts: Toast[];
}

export interface LogState {
  byKey: Record<string, LogEntry[]>;
}

/** Lines kept per instance. */
export const LOG_CAPACITY = 2000;

export function emptyAppState(): AppState {
  return { masters: {}, instances: {}, rates: {}, selected: {}, query: '', statusFilter: 'all', typeFilter: 'all', busy: {}, toasts: [] };
}

export const keyOf = (master: string, id: string) => `${master}/${id}`;

/** The keys of a master's instances start with this. */
export const masterPrefix = (master: string) => `${master}/`;
