// The only bridge between the sandboxed page and the main process: named API calls (one IPC
// channel each, addressed to a master), the desktop API (fleet, settings, notifications), live
// events and navigation requests. Nothing else — no ipcRenderer, no Node — reaches the page.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { DesktopApi } from '../engine/api/desktop';
import { DESKTOP_METHODS } from '../engine/api/desktop';
import { API_METHODS, CHANNELS, channelOf, desktopChannelOf, type MasterEvent, type MasterState, type NodePassBridge } from '../engine/api/bridge';

const calls = Object.fromEntries(
  API_METHODS.map((m) => [m, (master: string, ...args: unknown[]) => ipcRenderer.invoke(channelOf(m), master, ...args)]),
) as unknown as Omit<NodePassBridge, 'subscribe' | 'desktop' | 'onNavigate' | 'platform'>;

const desktop = Object.fromEntries(DESKTOP_METHODS.map((m) => [m, (...args: unknown[]) => ipcRenderer.invoke(desktopChannelOf(m), ...args)])) as unknown as DesktopApi;

const bridge: NodePassBridge = {
  ...calls,
  desktop,
  subscribe(master, onEvent, onState) {
    const ev = (_e: IpcRendererEvent, x: MasterEvent) => {
      if (x?.master === master) onEvent(x.event);
    };
    const st = (_e: IpcRendererEvent, x: MasterState) => {
      if (x?.master === master) onState(x.connected);
    };
    ipcRenderer.on(CHANNELS.event, ev);
    ipcRenderer.on(CHANNELS.state, st);
    ipcRenderer.send(CHANNELS.subscribe, master);
    return () => {
      ipcRenderer.removeListener(CHANNELS.event, ev);
      ipcRenderer.removeListener(CHANNELS.state, st);
      ipcRenderer.send(CHANNELS.unsubscribe, master);
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
