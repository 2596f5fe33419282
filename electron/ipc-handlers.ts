// Main-process side of the IPC bridge: each NodePassApi method becomes one `ipcMain.handle`
// channel that forwards to a NodePassApi implementation (the HTTP client of the local master), and
// live events are pushed to each subscribed window. Every call checks who is asking and what it
// passed; the renderer is treated as untrusted input.

import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import type { ApiResult, NodePassApi, Subscription } from '../engine/api/contract';
import { API_METHODS, CHANNELS, channelOf, type ApiMethod } from '../engine/api/ipc';

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
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Argument shapes per method: a wrong shape is answered with 400 and never reaches the master. */
const ARGS: Record<ApiMethod, (args: unknown[]) => string | null> = {
  listInstances: (a) => (a.length === 0 ? null : 'expected no arguments'),
  createInstance: (a) => (a.length === 1 && isObj(a[0]) && isStr(a[0].url) ? null : 'expected { url, alias? }'),
  getInstance: (a) => (a.length === 1 && isStr(a[0]) && a[0] !== '' ? null : 'expected an instance id'),
  updateInstance: (a) => (a.length === 2 && isStr(a[0]) && a[0] !== '' && isObj(a[1]) ? null : 'expected an instance id and an update'),
  replaceInstance: (a) => (a.length === 2 && isStr(a[0]) && a[0] !== '' && isObj(a[1]) && isStr(a[1].url) ? null : 'expected an instance id and { url }'),
  deleteInstance: (a) => (a.length === 1 && isStr(a[0]) && a[0] !== '' ? null : 'expected an instance id'),
  getInfo: (a) => (a.length === 0 ? null : 'expected no arguments'),
  setMasterAlias: (a) => (a.length === 1 && isStr(a[0]) ? null : 'expected an alias'),
  tcping: (a) => (a.length === 1 && isStr(a[0]) && a[0] !== '' ? null : 'expected host:port'),
  trafficHistory: (a) => (a.length === 2 && isStr(a[0]) && (a[1] === 'minute' || a[1] === 'hour') ? null : "expected an instance id and 'minute' or 'hour'"),
};

export interface RegisteredHandlers {
  /** Subscriptions currently open (one per window). */
  readonly subscriptions: number;
  dispose(): void;
}

interface SenderLike {
  id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export function registerApiHandlers(ipc: IpcMainLike, api: NodePassApi, o: HandlerOptions): RegisteredHandlers {
  for (const method of API_METHODS) {
    ipc.handle(channelOf(method), async (event, ...args): Promise<ApiResult<unknown>> => {
      if (!o.isTrusted(event.senderFrame)) return { ok: false, status: 403, error: 'IPC call from an untrusted page' };
      const bad = ARGS[method](args);
      if (bad) return { ok: false, status: 400, error: `${method}: ${bad}` };
      try {
        return await (api[method] as (...a: unknown[]) => Promise<ApiResult<unknown>>)(...args);
      } catch (e) {
        return { ok: false, status: 500, error: `${method}: ${(e as Error).message}` };
      }
    });
  }

  const subs = new Map<number, Subscription>();
  const close = (id: number) => {
    subs.get(id)?.close();
    subs.delete(id);
  };
  const onSubscribe = (event: IpcMainEvent) => {
    if (!o.isTrusted(event.senderFrame)) return;
    const sender = event.sender as unknown as SenderLike;
    const id = sender.id;
    const fresh = !subs.has(id);
    close(id);
    const send = (channel: string, payload: unknown) => {
      if (!sender.isDestroyed()) sender.send(channel, payload);
    };
    subs.set(
      id,
      api.subscribe(
        (e) => send(CHANNELS.event, e),
        (connected) => send(CHANNELS.state, connected),
      ),
    );
    if (fresh) sender.once('destroyed', () => close(id));
  };
  const onUnsubscribe = (event: IpcMainEvent) => close((event.sender as unknown as SenderLike).id);
  ipc.on(CHANNELS.subscribe, onSubscribe);
  ipc.on(CHANNELS.unsubscribe, onUnsubscribe);

  return {
    get subscriptions() {
      return subs.size;
    },
    dispose() {
      for (const m of API_METHODS) ipc.removeHandler(channelOf(m));
      ipc.removeListener(CHANNELS.subscribe, onSubscribe);
      ipc.removeListener(CHANNELS.unsubscribe, onUnsubscribe);
      for (const id of [...subs.keys()]) close(id);
    },
  };
}
