// The Electron IPC form of the NodePassApi contract: one channel per method, the same argument
// lists and ApiResult values as the HTTP client, so the renderer cannot tell the two apart. Plain
// TypeScript (no electron import): the preload, the main-process handlers and the renderer share it.

import type { NodePassApi } from './contract';
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

export const CHANNELS = {
  subscribe: 'np:events:subscribe',
  unsubscribe: 'np:events:unsubscribe',
  event: 'np:events:event',
  state: 'np:events:state',
  /** Main → renderer: the app asks the UI to show something (e.g. from the tray). */
  navigate: 'np:app:navigate',
} as const;

/** What the preload exposes as `window.nodepass`. */
export type NodePassBridge = Pick<NodePassApi, ApiMethod> & {
  /** Starts live events; returns a function that stops them. */
  subscribe(onEvent: (e: InstanceEvent) => void, onState: (connected: boolean) => void): () => void;
  /** Navigation requests from the main process (tray "Open", "New instance", …). */
  onNavigate(cb: (route: string) => void): () => void;
  readonly platform: string;
};
