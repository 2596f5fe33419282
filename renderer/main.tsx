// Boot: inside Electron the preload bridge is the API; in a browser (headless mode) the page signs
// in with the one-time token from its URL (or the API key) and talks HTTP. Either way it makes the
// session's services once, starts the once-a-second tick and renders the app under the providers.
// The page's own I/O (storage, theme, title) is wired here.

import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { translator } from '../shared/i18n';
import { App } from './App';
import { bridgeApis, httpApis, type ApiFactory } from './api/factory';
import { logout, resumeSession, type SessionInfo } from './api/session';
import { pageLocale } from './hooks/i18n';
import { navigate } from './hooks/route';
import { Providers } from './hooks/services';
import { browserDelivery, desktopDelivery } from './platform/notifications';
import { applyTheme, systemTheme, watchSystemTheme } from './platform/theme';
import type { Deliver } from './store/notifier';
import { createPrefs } from './store/prefs';
import { createServices, type Services } from './store/services';
import { LoginView } from './views/LoginView';
import './styles.css';

function storage(kind: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return window[kind];
  } catch {
    // Storage disabled: preferences and charts last for this page only.
    return null;
  }
}

const prefs = createPrefs({ storage: storage('localStorage'), systemTheme });

const currentT = () => translator(pageLocale(prefs.state.getState().locale)).t;

function showLanguage(): void {
  document.documentElement.lang = pageLocale(prefs.state.getState().locale) === 'zh' ? 'zh-CN' : 'en';
  document.title = currentT()('app.name');
}

applyTheme(prefs.state.getState().theme);
watchSystemTheme(() => prefs.systemThemeChanged());
prefs.state.subscribe((s, prev) => {
  if (s.theme !== prev.theme) applyTheme(s.theme);
  if (s.locale !== prev.locale) showLanguage();
});
showLanguage();

// The last five minutes of traffic survive a reload of the page (not a restart of the app).
const TRAFFIC_KEY = 'npd.traffic';
let session: { services: Services; stop(): void } | null = null;

function saveTraffic(): void {
  if (!session) return;
  try {
    storage('sessionStorage')?.setItem(TRAFFIC_KEY, JSON.stringify(session.services.store.traffic.exportRings()));
  } catch {
    // Storage full or disabled: the charts start empty next time.
  }
}
addEventListener('pagehide', saveTraffic);

function startSession(apis: ApiFactory, deliver: Deliver): Services {
  const services = createServices({ apis, prefs, deliver, systemLocale: navigator.language });
  try {
    services.store.traffic.importRings(JSON.parse(storage('sessionStorage')?.getItem(TRAFFIC_KEY) ?? 'null'), Date.now());
  } catch {
    // Nothing saved, or not readable: start empty.
  }
  const timer = setInterval(() => services.tick(Date.now()), 1000);
  session = {
    services,
    stop() {
      clearInterval(timer);
      services.dispose();
    },
  };
  void services.store.startFleet();
  return services;
}

function endSession(): void {
  saveTraffic();
  session?.stop();
  session = null;
}

const root = createRoot(document.getElementById('root')!);

function render(node: ReactNode, services?: Services) {
  root.render(
    <StrictMode>
      <Providers prefs={prefs} services={services}>
        {node}
      </Providers>
    </StrictMode>,
  );
}

function startHttp(s: SessionInfo) {
  const services = startSession(httpApis(s, window.location.href), browserDelivery);
  render(
    <App
      onLogout={() => {
        void logout().then(() => {
          endSession();
          render(<LoginView reason="" onLogin={startHttp} />);
        });
      }}
    />,
    services,
  );
}

async function boot() {
  const bridge = window.nodepass;
  if (bridge) {
    const services = startSession(bridgeApis(bridge), desktopDelivery(bridge.desktop));
    bridge.onNavigate((route) => navigate(route));
    render(<App />, services);
    return;
  }
  const s = await resumeSession();
  if (s.ok) startHttp(s.session);
  else render(<LoginView reason={s.status === 401 ? currentT()('login.expired') : s.status === 0 ? s.error : ''} onLogin={startHttp} />);
}

void boot();
