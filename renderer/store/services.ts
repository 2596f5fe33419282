// The page's services, made once per session and handed to components by React context
// (hooks/services.tsx): the app store, the notifier, the API factory and the preferences (the
// last one outlives a session: it is made once per page).

import { resolveLocale, translator, type Translate } from '../../shared/i18n';
import type { ApiFactory } from '../api/factory';
import { createAppStore, type AppStore } from './app-store';
import { labelFor } from './derived';
import { createNotifier, type Deliver, type Notifier } from './notifier';
import type { PrefsStore } from './prefs';

export interface Services {
  readonly store: AppStore;
  readonly notifier: Notifier;
  readonly apis: ApiFactory;
  readonly prefs: PrefsStore;
  /** The translator of the language shown now. */
  translate(): Translate;
  /** Once a second: traffic sample, then due notifications. */
  tick(now: number): void;
  dispose(): void;
}

export interface ServicesOptions {
  apis: ApiFactory;
  prefs: PrefsStore;
  deliver: Deliver;
  /** The system's language (the browser's), used while the user has chosen none. */
  systemLocale: string;
  now?: () => number;
}

export function createServices(o: ServicesOptions): Services {
  const translate = () => translator(resolveLocale(o.prefs.state.getState().locale, o.systemLocale)).t;
  // The notifier names an instance's master from the store, which is made with the notifier's policy.
  let store: AppStore | null = null;
  const notifier = createNotifier({
    prefs: o.prefs,
    deliver: o.deliver,
    translate,
    masterNameOf(key) {
      const s = store?.state.getState();
      const i = s?.instances[key];
      return s && i ? labelFor(translate(), s.masters[i.master]) : '';
    },
  });
  const app = createAppStore({ apis: o.apis, prefs: o.prefs, policy: notifier.policy, now: o.now });
  store = app;
  return {
    store: app,
    notifier,
    apis: o.apis,
    prefs: o.prefs,
    translate,
    tick(now) {
      app.tick(now);
      notifier.tick(now);
    },
    dispose: () => app.dispose(),
  };
}
