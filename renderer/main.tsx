// Boot: inside Electron the preload bridge is the API (one adapter per master); in a browser
// (headless mode) the page signs in with the one-time token from its URL and talks HTTP — to the
// local master through the same origin, to remote masters through the same origin's /fleet/<id>
// pass-through (the strict CSP allows no other origin).

import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './App';
import { apiFromBridge } from './api/ipc-client';
import { desktopOverHttp } from './api/desktop-http';
import { HttpApi } from '../engine/api/http-client';
import { LOCAL_MASTER } from '../engine/api/desktop';
import { logout, resumeSession, type SessionInfo } from './api/session';
import { translator } from '../shared/i18n';
import { I18nProvider, pageLocale } from './hooks/i18n';
import { navigate } from './lib/router';
import { labelFor, removeMaster, sampleTraffic, traffic, useApp } from './store/app';
import { startFleet } from './store/fleet';
import { runNotices, setDelivery } from './store/notices';
import { applyTheme, usePrefs, watchSystemTheme } from './store/prefs';
import { LoginView } from './views/LoginView';
import './styles.css';

/** The translator of the language shown now (for text made outside components). */
const currentT = () => translator(pageLocale(usePrefs.getState().locale)).t;

function showLanguage(): void {
  document.documentElement.lang = pageLocale(usePrefs.getState().locale) === 'zh' ? 'zh-CN' : 'en';
  document.title = currentT()('app.name');
}

applyTheme(usePrefs.getState().theme);
watchSystemTheme();
usePrefs.subscribe((s, prev) => {
  if (s.locale !== prev.locale) showLanguage();
});
showLanguage();

// The last five minutes of traffic survive a reload of the page (not a restart of the app).
const TRAFFIC_KEY = 'npd.traffic';
try {
  traffic.importRings(JSON.parse(sessionStorage.getItem(TRAFFIC_KEY) ?? 'null'), Date.now());
} catch {
  // Nothing saved, or not readable: start empty.
}
addEventListener('pagehide', () => {
  try {
    sessionStorage.setItem(TRAFFIC_KEY, JSON.stringify(traffic.exportRings()));
  } catch {
    // Storage full or disabled: the charts start empty next time.
  }
});
setInterval(() => {
  const now = Date.now();
  sampleTraffic(now);
  runNotices(now, (key) => {
    const s = useApp.getState();
    const i = s.instances[key];
    return i ? labelFor(currentT(), s.masters[i.master]) : '';
  }, currentT());
}, 1000);

const root: Root = createRoot(document.getElementById('root')!);

/** Provides the language of the preferences to everything below it. */
function Localised({ children }: { children: React.ReactNode }) {
  const locale = usePrefs((s) => s.locale);
  return <I18nProvider locale={pageLocale(locale)}>{children}</I18nProvider>;
}

function render(node: React.ReactNode) {
  root.render(
    <StrictMode>
      <Localised>{node}</Localised>
    </StrictMode>,
  );
}

function startHttp(s: SessionInfo) {
  const origin = window.location.origin;
  const local = () => new HttpApi({ baseUrl: new URL(s.base, window.location.href).href, apiKey: s.key });
  void startFleet(
    desktopOverHttp(s.key),
    (m) => (m.local ? local() : new HttpApi({ baseUrl: `${origin}/fleet/${encodeURIComponent(m.id)}`, apiKey: s.key })),
    local,
  );
  render(
    <App
      onLogout={() => {
        void logout().then(() => {
          for (const id of Object.keys(useApp.getState().masters)) removeMaster(id);
          render(<LoginView reason="" onLogin={startHttp} />);
        });
      }}
    />,
  );
}

async function boot() {
  const bridge = window.nodepass;
  if (bridge) {
    setDelivery(async (title, body) => ((await bridge.desktop.notify({ title, body })).ok ? 'os' : 'none'));
    void startFleet(bridge.desktop, (m) => apiFromBridge(bridge, m.id), () => apiFromBridge(bridge, LOCAL_MASTER));
    bridge.onNavigate((route) => navigate(route));
    render(<App />);
    return;
  }
  const s = await resumeSession();
  if (s.ok) startHttp(s.session);
  else render(<LoginView reason={s.status === 401 ? currentT()('login.expired') : s.status === 0 ? s.error : ''} onLogin={startHttp} />);
}

void boot();
