// The window: sidebar (navigation, master status, theme) and the routed view.

import { t } from './i18n';
import { formatUptime } from './lib/format';
import { useRoute } from './lib/router';
import { useNow } from './lib/hooks';
import { useApp } from './store/app';
import { usePrefs } from './store/prefs';
import { ThemeToggle } from './components/ThemeToggle';
import { Icon } from './components/Icon';
import { Logo } from './components/Logo';
import { Toasts } from './components/Toasts';
import { InstanceDetail } from './views/InstanceDetail';
import { InstanceForm } from './views/InstanceForm';
import { InstancesView } from './views/InstancesView';

function MasterCard() {
  const masters = useApp((s) => s.masters);
  const now = useNow(5000);
  return (
    <div className="masters">
      {Object.values(masters).map((m) => (
        <div key={m.id} className="master" data-testid="master-status" data-connected={m.connected}>
          <span className={`dot ${m.connected ? 'dot-running' : 'dot-error'}`} />
          <div className="master-text">
            <div className="master-name">{m.label}</div>
            <div className="muted small">
              {m.connected
                ? m.info
                  ? t('master.online', { ver: m.info.ver, uptime: formatUptime(m.info.uptime + (now - m.infoAt) / 1000) })
                  : t('master.connected')
                : t('master.offline')}
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}

export function App({ onLogout }: { onLogout?: () => void }) {
  const route = useRoute();
  const theme = usePrefs((s) => s.theme);
  const count = useApp((s) => Object.keys(s.instances).length);
  const active = route.name === 'new' ? 'new' : 'list';
  return (
    <div className="app">
      <aside className="sidebar">
        <a className="brand" href="#/">
          <Logo size={26} />
          <span className="brand-name">{t('app.name')}</span>
        </a>
        <nav className="nav">
          <a href="#/" className={active === 'list' ? 'on' : ''} data-testid="nav-instances">
            <Icon name="list" />
            <span>{t('nav.instances')}</span>
            <span className="count">{count}</span>
          </a>
          <a href="#/new" className={active === 'new' ? 'on' : ''} data-testid="nav-new">
            <Icon name="plus" />
            <span>{t('nav.new')}</span>
          </a>
        </nav>
        <div className="spacer" />
        <MasterCard />
        <div className="side-actions">
          <ThemeToggle />
          {onLogout && (
            <button type="button" className="btn ghost small" onClick={onLogout}>
              {t('login.logout')}
            </button>
          )}
        </div>
      </aside>
      <main className="main">
        {route.name === 'list' && <InstancesView theme={theme} />}
        {route.name === 'new' && <InstanceForm key="new" />}
        {route.name === 'edit' && <InstanceForm key={`edit:${route.key}`} editKey={route.key} />}
        {route.name === 'detail' && <InstanceDetail k={route.key} tab={route.tab} theme={theme} />}
      </main>
      <Toasts />
    </div>
  );
}
