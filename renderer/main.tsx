// Boot: inside Electron the preload bridge is the API; in a browser (headless mode) the page signs
// in with the one-time token from its URL and talks HTTP to the master through the same origin.

import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { App } from './App';
import { apiFromBridge } from './api/ipc-client';
import { HttpApi } from '../engine/api/http-client';
import { logout, resumeSession, type SessionInfo } from './api/session';
import { t } from './i18n';
import { navigate } from './lib/router';
import { addMaster, removeMaster, sampleTraffic, traffic } from './store/app';
import { applyTheme, usePrefs } from './store/prefs';
import { LoginView } from './views/LoginView';
import './styles.css';

const LOCAL = 'local';

applyTheme(usePrefs.getState().theme);

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
setInterval(() => sampleTraffic(), 1000);

const root: Root = createRoot(document.getElementById('root')!);

function render(node: React.ReactNode) {
  root.render(<StrictMode>{node}</StrictMode>);
}

function startHttp(s: SessionInfo) {
  addMaster(LOCAL, t('master.local'), new HttpApi({ baseUrl: new URL(s.base, window.location.href).href, apiKey: s.key }));
  render(
    <App
      onLogout={() => {
        void logout().then(() => {
          removeMaster(LOCAL);
          render(<LoginView reason="" onLogin={startHttp} />);
        });
      }}
    />,
  );
}

async function boot() {
  document.title = t('app.name');
  const bridge = window.nodepass;
  if (bridge) {
    addMaster(LOCAL, t('master.local'), apiFromBridge(bridge));
    bridge.onNavigate((route) => navigate(route));
    render(<App />);
    return;
  }
  const s = await resumeSession();
  if (s.ok) startHttp(s.session);
  else render(<LoginView reason={s.status === 401 ? t('login.expired') : s.status === 0 ? s.error : ''} onLogin={startHttp} />);
}

void boot();
