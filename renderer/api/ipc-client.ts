// NodePassApi over the Electron preload bridge (window.nodepass). The bridge already speaks the
// contract; this adapter only turns its subscribe() into a Subscription.

import type { NodePassApi } from '../../engine/api/contract';
import type { NodePassBridge } from '../../engine/api/ipc';

export function apiFromBridge(b: NodePassBridge): NodePassApi {
  return {
    listInstances: () => b.listInstances(),
    createInstance: (req) => b.createInstance(req),
    getInstance: (id) => b.getInstance(id),
    updateInstance: (id, req) => b.updateInstance(id, req),
    replaceInstance: (id, req) => b.replaceInstance(id, req),
    deleteInstance: (id) => b.deleteInstance(id),
    getInfo: () => b.getInfo(),
    setMasterAlias: (alias) => b.setMasterAlias(alias),
    tcping: (target) => b.tcping(target),
    trafficHistory: (id, resolution) => b.trafficHistory(id, resolution),
    subscribe(onEvent, onState) {
      const stop = b.subscribe(onEvent, (c) => onState?.(c));
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
