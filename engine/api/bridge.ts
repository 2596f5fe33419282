// The Electron IPC form of the NodePassApi contract: one channel per method, the same argument
// lists and ApiResult values as the HTTP client, so the renderer cannot tell the two apart. Every
// API call names the master it is for first (`local` or a fleet master's ID); the main process
// keeps one NodePassApi per master. The desktop API (fleet, settings, notifications) has its own
// channels. Plain TypeScript (no electron import): the preload, the main-process handlers and the
// renderer share it.

import type { NodePassApi } from './contract';
import type { DesktopApi, DesktopMethod } from './desktop';
import type { InstanceEvent } from './types';

export const API_METHODS = [
  'listInstances',
  'createInstance',
  'getInstance',
  'updateInstance',
  'replaceInstance',
  'deleteInstance',
  'getInfo',
  'setMasterAlias',
  'tcping',
  'trafficHistory',
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

// Compile-time guard: adding a method to NodePassApi without listing it here fails the type check.
type Unlisted = Exclude<Exclude<keyof NodePassApi, 'subscribe'>, ApiMethod>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

export const channelOf = (m: ApiMethod): string => `np:api:${m}`;
export const desktopChannelOf = (m: DesktopMethod): string => `np:desktop:${m}`;

export const CHANNELS = {
  /** Renderer → main: start (or restart) the event stream of one master (argument: master ID). */
  subscribe: 'np:events:subscribe',
  unsubscribe: 'np:events:unsubscribe',
  /** Main → renderer: `{ master, event }`. */
  event: 'np:events:event',
  /** Main → renderer: `{ master, connected }`. */
  state: 'np:events:state',
  /** Main → renderer: the app asks the UI to show something (e.g. from the tray). */
  navigate: 'np:app:navigate',
} as const;

export interface MasterEvent {
  master: string;
  event: InstanceEvent;
}

export interface MasterState {
  master: string;
  connected: boolean;
}

/** A NodePassApi method with the master's ID in front of its own arguments. */
type Addressed<F> = F extends (...a: infer A) => infer R ? (master: string, ...a: A) => R : never;

/** What the preload exposes as `window.nodepass`. */
export type NodePassBridge = { [M in ApiMethod]: Addressed<NodePassApi[M]> } & {
  /** Starts live events of one master; returns a function that stops them. */
  subscribe(master: string, onEvent: (e: InstanceEvent) => void, onState: (connected: boolean) => void): () => void;
  desktop: DesktopApi;
  /** Navigation requests from the main process (tray "Open", "New instance", …). */
  onNavigate(cb: (route: string) => void): () => void;
  readonly platform: string;
};
