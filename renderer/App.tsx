// The window: sidebar (navigation, masters and their status, theme) and the routed view. The whole
// tree is keyed by the language, so switching it re-renders every string at once.

import { useT } from './hooks/i18n';
import { formatUptime } from '../shared/format';
import { useNow } from './hooks/now';
import { useRoute } from './hooks/route';
import { useApp, useNotices, usePrefs } from './hooks/services';
import { labelFor } from './store/derived';
import { ThemeToggle } from './components/ThemeToggle';
import { Icon } from './components/Icon';
import { Logo } from './components/Logo';
import { Toasts } from './components/Toasts';
import { InstanceDetail } from './views/InstanceDetail';
import { InstanceForm } from './views/InstanceForm';
import { InstancesView } from './views/InstancesView';
import { MastersView } from './views/MastersView';
import { NoticesView } from './views/NoticesView';
import { SettingsView } from './views/SettingsView';

function MasterCard() {
  const t = useT();
  const masters = useApp((s) => s.masters);
  const now = useNow(5000);
  return (
    <a className="masters" href="#/masters" aria-label={t('nav.masters')}>
      {Object.values(masters).map((m) => (
        <div key={m.id} className="master" data-testid="master-status" data-master={m.id} data-connected={m.connected}>
          <span className={`dot ${m.connected ? 'dot-running' : 'dot-error'}`} />
          <div className="master-text">
            <div className="master-name">{labelFor(t, m)}</div>
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
    </a>
  );
}

export function App({ onLogout }: { onLogout?: () => void }) {
  const t = useT();
  const route = useRoute();
  const theme = usePrefs((s) => s.theme);
  const locale = usePrefs((s) => s.locale);
  const count = useApp((s) => Object.keys(s.instances).length);
  const masterCount = useApp((s) => Object.keys(s.masters).length);
  const unread = useNotices((s) => s.unread);
  const active = route.name === 'detail' || route.name === 'edit' ? 'list' : route.name;
  return (
    <div className="app" key={locale}>
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
          <a href="#/masters" className={active === 'masters' ? 'on' : ''} data-testid="nav-masters">
            <Icon name="server" />
            <span>{t('nav.masters')}</span>
            <span className="count">{masterCount}</span>
          </a>
          <a href="#/notices" className={active === 'notices' ? 'on' : ''} data-testid="nav-notices">
            <Icon name="bell" />
            <span>{t('nav.notices')}</span>
            {unread > 0 && (
              <span className="count hot" data-testid="notice-unread">
                {unread}
              </span>
            )}
          </a>
          <a href="#/settings" className={active === 'settings' ? 'on' : ''} data-testid="nav-settings">
            <Icon name="gear" />
            <span>{t('nav.settings')}</span>
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
        {route.name === 'masters' && <MastersView />}
        {route.name === 'notices' && <NoticesView />}
        {route.name === 'settings' && <SettingsView />}
      </main>
      <Toasts />
    </div>
  );
}
