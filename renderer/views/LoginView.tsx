// Headless mode without a session: explain where the login link is, or take the API key.

import { useState } from 'react';
import { useT } from '../hooks/i18n';
import { loginWithKey, type SessionInfo } from '../api/session';
import { Logo } from '../components/Logo';
import { ThemeToggle } from '../components/ThemeToggle';

export function LoginView({ reason, onLogin }: { reason: string; onLogin: (s: SessionInfo) => void }) {
  const t = useT();
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <div className="login" data-testid="view-login">
      <form
        className="card login-card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const r = await loginWithKey(key.trim());
          setBusy(false);
          if (r.ok) onLogin(r.session);
          else setError(r.status === 401 ? t('login.wrongKey') : r.error);
        }}
      >
        <div className="login-brand">
          <Logo size={36} />
          <div>
            <div className="brand-name">{t('app.name')}</div>
            <div className="muted small">{t('login.subtitle')}</div>
          </div>
        </div>
        <p>{t('login.body')}</p>
        {reason && <p className="muted small">{reason}</p>}
        <label htmlFor="login-key">{t('login.key')}</label>
        <input id="login-key" className="input mono" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
        {error && (
          <div className="field-error" role="alert">
            {error}
          </div>
        )}
        <div className="login-actions">
          <ThemeToggle />
          <button className="btn primary" type="submit" disabled={busy || key.trim() === ''}>
            {t('login.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}
