// What the app announced (the same notices it sent as OS notifications), newest first, with how
// each was delivered — so nothing is lost when notifications are off or not permitted.

import { useEffect } from 'react';
import { useT } from '../hooks/i18n';
import { clockTime } from '../../shared/format';
import { useNotices, usePrefs, useServices } from '../hooks/services';
import { hrefOf } from '../lib/routes';
import { Empty } from '../components/common';
import { Icon } from '../components/Icon';

export function NoticesView() {
  const t = useT();
  const { notifier } = useServices();
  const list = useNotices((s) => s.list);
  const enabled = usePrefs((s) => s.notifications);
  useEffect(() => notifier.markRead(), [notifier, list.length]);
  return (
    <div className="page" data-testid="view-notices">
      <header className="page-head">
        <div>
          <h1>{t('notices.title')}</h1>
          <p className="muted">{enabled ? t('notices.subtitle') : t('notices.off')}</p>
        </div>
        <div className="spacer" />
        {list.length > 0 && (
          <button type="button" className="btn ghost small" onClick={notifier.clear}>
            {t('logs.clear')}
          </button>
        )}
      </header>
      <section className="card">
        {list.length === 0 ? (
          <Empty title={t('notices.empty')} />
        ) : (
          <ul className="notices">
            {list.map((n) => (
              <li key={n.id} className={`notice notice-${n.kind}`} data-testid="notice" data-kind={n.kind} data-key={n.key} data-delivery={n.delivery}>
                <span className={`dot ${n.kind === 'down' ? 'dot-error' : 'dot-running'}`} />
                <div className="notice-text">
                  <a className="notice-title" href={hrefOf({ name: 'detail', key: n.key, tab: 'overview' })}>
                    {n.title}
                  </a>
                  <div className="muted small">{n.body}</div>
                </div>
                <div className="notice-meta muted small">
                  <span className="mono">{clockTime(n.since)}</span>
                  <span title={t(`notices.delivery.${n.delivery}`)}>
                    <Icon name={n.delivery === 'os' ? 'bell' : 'mute'} size={13} /> {t(`notices.delivery.${n.delivery}`)}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
