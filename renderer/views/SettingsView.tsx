// Settings: appearance (theme, language), notifications, start at login (the app only) and who may
// reach this computer's master API (loopback by default; the network only with TLS).

import { useEffect, useState } from 'react';
import { checkApiAccess, type ApiAccess, type AppSettings } from '../../engine/api/desktop';
import { LOCALES } from '../../shared/i18n';
import { pageLocale, useT } from '../hooks/i18n';
import { usePrefs, useServices } from '../hooks/services';
import { notificationPermission, requestPermission } from '../platform/notifications';
import type { ThemeChoice } from '../store/prefs';

/** Each language by its own name (not translated: people look for their own). */
const LANGUAGE_NAMES: Record<string, string> = { en: 'English', zh: '中文' };

function Section({ title, hint, children, testId }: { title: string; hint?: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="card settings-section" data-testid={testId}>
      <div className="card-head">
        <h2>{title}</h2>
      </div>
      {hint && <p className="muted small">{hint}</p>}
      {children}
    </section>
  );
}

function ApiAccessForm({ settings, onSaved }: { settings: AppSettings; onSaved: (s: AppSettings) => void }) {
  const t = useT();
  const [a, setA] = useState<ApiAccess>(settings.apiAccess);
  const { store } = useServices();
  const problem = checkApiAccess(a);
  const set = (patch: Partial<ApiAccess>) => setA((x) => ({ ...x, ...patch }));
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await store.saveSettings({ apiAccess: a });
        if (r.ok) {
          onSaved(r.value);
          store.toast('info', (t) => t('settings.saved'));
        } else store.toast('error', r.error);
      }}
    >
      <div className="radio-list" role="radiogroup" aria-label={t('settings.api')}>
        <label className="check">
          <input type="radio" name="api-mode" checked={a.mode === 'loopback'} onChange={() => set({ mode: 'loopback', tls: 0 })} data-testid="api-loopback" />
          <span>
            <b>{t('settings.api.loopback')}</b>
            <span className="muted small block">{t('settings.api.loopbackHint')}</span>
          </span>
        </label>
        <label className="check">
          <input type="radio" name="api-mode" checked={a.mode === 'network'} onChange={() => set({ mode: 'network', tls: a.tls === 0 ? 1 : a.tls })} data-testid="api-network" />
          <span>
            <b>{t('settings.api.network')}</b>
            <span className="muted small block">{t('settings.api.networkHint')}</span>
          </span>
        </label>
      </div>
      {a.mode === 'network' && (
        <div className="fields two">
          <div className="field">
            <label htmlFor="api-port">{t('settings.api.port')}</label>
            <input id="api-port" className="input mono" inputMode="numeric" value={a.port || ''} onChange={(e) => set({ port: Number(e.target.value.replace(/\D/g, '')) || 0 })} />
          </div>
          <div className="field">
            <label htmlFor="api-tls">{t('settings.api.tls')}</label>
            <select id="api-tls" className="select" value={a.tls} onChange={(e) => set({ tls: Number(e.target.value) as 0 | 1 | 2 })} data-testid="api-tls">
              <option value={0}>{t('form.tls.0')}</option>
              <option value={1}>{t('form.tls.1')}</option>
              <option value={2}>{t('form.tls.2')}</option>
            </select>
          </div>
          {a.tls === 2 && (
            <>
              <div className="field">
                <label htmlFor="api-crt">{t('settings.api.crt')}</label>
                <input id="api-crt" className="input mono" value={a.crt} onChange={(e) => set({ crt: e.target.value })} />
              </div>
              <div className="field">
                <label htmlFor="api-key">{t('settings.api.key')}</label>
                <input id="api-key" className="input mono" value={a.key} onChange={(e) => set({ key: e.target.value })} />
              </div>
            </>
          )}
        </div>
      )}
      {problem && (
        <div className="field-error" role="alert" data-testid="api-problem">
          {a.mode === 'network' && a.tls === 0 ? t('settings.api.needsTls') : problem}
        </div>
      )}
      <div className="form-actions">
        <span className="muted small">
          {t('settings.api.now', { url: settings.localApi })}
          {settings.pendingRestart && <b className="warn-text"> · {t('settings.api.pending')}</b>}
        </span>
        <div className="spacer" />
        <button type="submit" className="btn primary" disabled={!!problem} data-testid="api-save">
          {t('form.save')}
        </button>
      </div>
    </form>
  );
}

export function SettingsView() {
  const t = useT();
  const { store, apis, prefs: prefsStore } = useServices();
  const prefs = usePrefs((s) => s);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [permission, setPermission] = useState(notificationPermission);
  const inApp = apis.transport === 'ipc';
  useEffect(() => {
    void store.loadSettings().then((r) => r.ok && setSettings(r.value));
  }, [store]);
  const locale = pageLocale(prefs.locale);
  return (
    <div className="page" data-testid="view-settings">
      <header className="page-head">
        <div>
          <h1>{t('settings.title')}</h1>
          <p className="muted">{t('settings.subtitle')}</p>
        </div>
      </header>
      <Section title={t('settings.appearance')}>
        <div className="setting-row">
          <span className="setting-label">{t('settings.theme')}</span>
          <div className="segmented" role="group" aria-label={t('settings.theme')}>
            {(['light', 'dark', 'system'] as ThemeChoice[]).map((c) => (
              <button key={c} type="button" className={prefs.themeChoice === c ? 'on' : ''} aria-pressed={prefs.themeChoice === c} onClick={() => prefsStore.setThemeChoice(c)} data-testid={`theme-${c}`}>
                {t(`settings.theme.${c}`)}
              </button>
            ))}
          </div>
        </div>
        <div className="setting-row">
          <label className="setting-label" htmlFor="s-lang">
            {t('settings.language')}
          </label>
          <select
            id="s-lang"
            className="select"
            value={locale}
            data-testid="language"
            onChange={(e) => {
              prefsStore.set({ locale: e.target.value });
              void store.saveSettings({ locale: e.target.value });
            }}
          >
            {LOCALES
              .filter((l) => LANGUAGE_NAMES[l])
              .map((l) => (
                <option key={l} value={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
          </select>
        </div>
      </Section>
      <Section title={t('settings.notifications')} hint={t('settings.notificationsHint')} testId="settings-notifications">
        <label className="check">
          <input type="checkbox" checked={prefs.notifications} onChange={(e) => prefsStore.set({ notifications: e.target.checked })} data-testid="notifications-toggle" />
          {t('settings.notificationsOn')}
        </label>
        {!inApp && prefs.notifications && permission !== 'granted' && (
          <div className="setting-row">
            <span className="muted small">{permission === 'denied' ? t('settings.permissionDenied') : permission === 'unsupported' ? t('settings.permissionUnsupported') : t('settings.permissionAsk')}</span>
            {permission === 'default' && (
              <button type="button" className="btn small" onClick={() => void requestPermission().then(setPermission)}>
                {t('settings.permissionButton')}
              </button>
            )}
          </div>
        )}
      </Section>
      <Section title={t('settings.autostart')} hint={settings?.autostart === null || !settings ? t('settings.autostartAppOnly') : t('settings.autostartHint')}>
        <label className="check">
          <input
            type="checkbox"
            disabled={!settings || settings.autostart === null}
            checked={!!settings?.autostart}
            data-testid="autostart"
            onChange={async (e) => {
              const r = await store.saveSettings({ autostart: e.target.checked });
              if (r.ok) setSettings(r.value);
              else store.toast('error', r.error);
            }}
          />
          {t('settings.autostartOn')}
        </label>
      </Section>
      <Section title={t('settings.api')} hint={t('settings.apiHint')} testId="settings-api">
        {settings ? <ApiAccessForm settings={settings} onSaved={setSettings} /> : <p className="muted small">{t('list.connecting')}</p>}
      </Section>
    </div>
  );
}
