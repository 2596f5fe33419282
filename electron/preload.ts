// The only bridge between the sandboxed page and the main process: named API calls (one IPC
// channel each), live events and navigation requests. Nothing else — no ipcRenderer, no Node —
// reaches the page.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { NodePassApi } from '../engine/api/contract';
import { API_METHODS, CHANNELS, channelOf, type ApiMethod, type NodePassBridge } from '../engine/api/ipc';
import type { InstanceEvent } from '../engine/api/types';

const calls = Object.fromEntries(
  API_METHODS.map((m) => [m, (...args: unknown[]) => ipcRenderer.invoke(channelOf(m), ...args)]),
) as unknown as Pick<NodePassApi, ApiMethod>;

const bridge: NodePassBridge = {
  ...calls,
  subscribe(onEvent, onState) {
    const ev = (_e: IpcRendererEvent, x: InstanceEvent) => onEvent(x);
    const st = (_e: IpcRendererEvent, c: boolean) => onState(c);
    ipcRenderer.on(CHANNELS.event, ev);
    ipcRenderer.on(CHANNELS.state, st);
    ipcRenderer.send(CHANNELS.subscribe);
    return () => {
      ipcRenderer.removeListener(CHANNELS.event, ev);
      ipcRenderer.removeListener(CHANNELS.state, st);
      ipcRenderer.send(CHANNELS.unsubscribe);
    };
  },
  onNavigate(cb) {
    const l = (_e: IpcRendererEvent, route: string) => {
      if (typeof route === 'string' && route.startsWith('#/')) cb(route);
    };
    ipcRenderer.on(CHANNELS.navigate, l);
    return () => ipcRenderer.removeListener(CHANNELS.navigate, l);
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('nodepass', bridge);
