// Main-process side of the IPC bridge: each NodePassApi method becomes one `ipcMain.handle`
// channel whose first argument names the master (one NodePassApi per master: the local one and
// each fleet master), each desktop API method one more channel, and live events are pushed to each
// subscribed window per master. Every call checks who is asking and what it passed — against the
// contract's schemas (engine/api/arguments.ts); the renderer is treated as untrusted input.

import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { API_ARGS, checkArgs, DESKTOP_ARGS } from '../engine/api/arguments';
import { API_METHODS, CHANNELS, channelOf, desktopChannelOf } from '../engine/api/bridge';
import type { ApiResult, NodePassApi, Subscription } from '../engine/api/contract';
import { DESKTOP_METHODS, type DesktopApi } from '../engine/api/desktop';

/** The parts of ipcMain used here (Electron's object fits; tests pass a small stand-in). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
}

type SenderFrame = { url: string } | null | undefined;

export interface HandlerOptions {
  isTrusted(frame: SenderFrame): boolean;
  /** The desktop API (fleet, settings, notifications); its channels are left out without one. */
  desktop?: DesktopApi;
}

/** The API of one master by ID, or null when there is no such master. */
export type ApiResolver = (master: string) => NodePassApi | null;

const isStr = (v: unknown): v is string => typeof v === 'string';

export interface RegisteredHandlers {
  /** Subscriptions currently open (one per window). */
  readonly subscriptions: number;
  dropMaster(master: string): void;
  dispose(): void;
}

interface SenderLike {
  id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export function registerApiHandlers(ipc: IpcMainLike, resolve: ApiResolver, o: HandlerOptions): RegisteredHandlers {
  for (const method of API_METHODS) {
    ipc.handle(channelOf(method), async (event, master, ...args): Promise<ApiResult<unknown>> => {
      if (!o.isTrusted(event.senderFrame)) return { ok: false, status: 403, error: 'IPC call from an untrusted page' };
      if (!isStr(master) || master === '') return { ok: false, status: 400, error: `${method}: expected a master id first` };
      const checked = checkArgs(method, API_ARGS[method], args);
      if (!checked.ok) return checked;
      const api = resolve(master);
      if (!api) return { ok: false, status: 404, error: `${method}: no master "${master}"` };
      try {
        return await (api[method] as (...a: unknown[]) => Promise<ApiResult<unknown>>)(...checked.value);
      } catch (e) {
        return { ok: false, status: 500, error: `${method}: ${(e as Error).message}` };
      }
    });
  }
  const desktop = o.desktop;
  if (desktop) {
    for (const method of DESKTOP_METHODS) {
      ipc.handle(desktopChannelOf(method), async (event, ...args): Promise<ApiResult<unknown>> => {
        if (!o.isTrusted(event.senderFrame)) return { ok: false, status: 403, error: 'IPC call from an untrusted page' };
        const checked = checkArgs(method, DESKTOP_ARGS[method], args);
        if (!checked.ok) return checked;
        try {
          return await (desktop[method] as (...a: unknown[]) => Promise<ApiResult<unknown>>)(...checked.value);
        } catch (e) {
          return { ok: false, status: 500, error: `${method}: ${(e as Error).message}` };
        }
      });
    }
  }

  // One subscription per (window, master).
  const subs = new Map<string, Subscription>();
  const watched = new Set<number>();
  const close = (key: string) => {
    subs.get(key)?.close();
    subs.delete(key);
  };
  const closeWindow = (id: number) => {
    for (const key of [...subs.keys()]) if (key.startsWith(`${id}\n`)) close(key);
  };
  const onSubscribe = (event: IpcMainEvent, master: unknown) => {
    if (!o.isTrusted(event.senderFrame) || !isStr(master)) return;
    const sender = event.sender as unknown as SenderLike;
    const api = resolve(master);
    if (!api) {
      if (!sender.isDestroyed()) sender.send(CHANNELS.state, { master, connected: false });
      return;
    }
    const key = `${sender.id}\n${master}`;
    close(key);
    const send = (channel: string, payload: unknown) => {
      if (!sender.isDestroyed()) sender.send(channel, payload);
    };
    subs.set(
      key,
      api.subscribe(
        (e) => send(CHANNELS.event, { master, event: e }),
        (connected) => send(CHANNELS.state, { master, connected }),
      ),
    );
    if (!watched.has(sender.id)) {
      watched.add(sender.id);
      sender.once('destroyed', () => {
        watched.delete(sender.id);
        closeWindow(sender.id);
      });
    }
  };
  const onUnsubscribe = (event: IpcMainEvent, master: unknown) => {
    const id = (event.sender as unknown as SenderLike).id;
    if (isStr(master)) close(`${id}\n${master}`);
    else closeWindow(id);
  };
  ipc.on(CHANNELS.subscribe, onSubscribe);
  ipc.on(CHANNELS.unsubscribe, onUnsubscribe);

  return {
    get subscriptions() {
      return subs.size;
    },
    /** Ends every window's stream of one master (it was removed from the fleet or changed). */
    dropMaster(master: string) {
      for (const key of [...subs.keys()]) if (key.endsWith(`\n${master}`)) close(key);
    },
    dispose() {
      for (const m of API_METHODS) ipc.removeHandler(channelOf(m));
      if (desktop) for (const m of DESKTOP_METHODS) ipc.removeHandler(desktopChannelOf(m));
      ipc.removeListener(CHANNELS.subscribe, onSubscribe);
      ipc.removeListener(CHANNELS.unsubscribe, onUnsubscribe);
      for (const key of [...subs.keys()]) close(key);
    },
  };
}
