// Fresh renderer services for one test: preferences in a memory storage, notifications recorded
// instead of shown, and an API factory for the masters at hand (none: a host without the desktop
// API, so the fleet is the local master alone).

import type { ApiResult, NodePassApi } from '../../../engine/api/contract';
import type { DesktopApi } from '../../../engine/api/desktop';
import type { ApiFactory } from '../../../renderer/api/factory';
import type { Notice } from '../../../renderer/store/notifier';
import { createPrefs, type PrefsStore } from '../../../renderer/store/prefs';
import { createServices, type Services } from '../../../renderer/store/services';

export class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
}

const absent = async (): Promise<ApiResult<never>> => ({ ok: false, status: 404, error: 'no desktop API here' });

/** The desktop API of a host that has none (the renderer then manages the local master alone). */
export const NO_DESKTOP: DesktopApi = {
  listMasters: absent,
  addMaster: absent,
  updateMaster: absent,
  removeMaster: absent,
  getSettings: absent,
  setSettings: absent,
  notify: absent,
};

export function apisFor(local?: NodePassApi): ApiFactory {
  const api = () => {
    if (!local) throw new Error('this test has no master');
    return local;
  };
  return { transport: 'http', desktop: NO_DESKTOP, master: api, local: api };
}

export interface TestServices extends Services {
  delivered: Array<Pick<Notice, 'title' | 'body'>>;
  storage: MemoryStorage;
}

export function testServices(o: { api?: NodePassApi; prefs?: PrefsStore; storage?: MemoryStorage; systemLocale?: string } = {}): TestServices {
  const storage = o.storage ?? new MemoryStorage();
  const prefs = o.prefs ?? createPrefs({ storage, systemTheme: () => 'light' });
  const delivered: TestServices['delivered'] = [];
  const services = createServices({
    apis: apisFor(o.api),
    prefs,
    systemLocale: o.systemLocale ?? 'en-US',
    deliver: async (title, body) => {
      delivered.push({ title, body });
      return 'os';
    },
  });
  return Object.assign(services, { delivered, storage });
}
