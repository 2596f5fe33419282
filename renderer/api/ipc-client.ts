// NodePassApi over the Electron preload bridge (window.nodepass), one adapter per master: the
// bridge already speaks the contract with the master's ID in front.

import type { NodePassApi } from '../../engine/api/contract';
import type { NodePassBridge } from '../../engine/api/bridge';

export function apiFromBridge(b: NodePassBridge, master: string): NodePassApi {
  return {
    listInstances: () => b.listInstances(master),
    createInstance: (req) => b.createInstance(master, req),
    getInstance: (id) => b.getInstance(master, id),
    updateInstance: (id, req) => b.updateInstance(master, id, req),
    replaceInstance: (id, req) => b.replaceInstance(master, id, req),
    deleteInstance: (id) => b.deleteInstance(master, id),
    getInfo: () => b.getInfo(master),
    setMasterAlias: (alias) => b.setMasterAlias(master, alias),
    tcping: (target) => b.tcping(master, target),
    trafficHistory: (id, resolution) => b.trafficHistory(master, id, resolution),
    subscribe(onEvent, onState) {
      const stop = b.subscribe(master, onEvent, (c) => onState?.(c));
      return { close: stop };
    },
  };
}

declare global {
  interface Window {
    /** Present only inside the Electron window (see electron/preload.ts). */
    nodepass?: NodePassBridge;
  }
}
