// Live log of one instance: level filter, text search, follows the tail until the user scrolls up.

import { useEffect, useMemo, useRef, useState } from 'react';
import { useT } from '../hooks/i18n';
import { LOG_LEVELS, type LogLevelName } from '../lib/logline';
import { useLogs, useServices } from '../hooks/services';
import { Icon } from './Icon';

const EMPTY: never[] = [];

export function LogView({ k }: { k: string }) {
  const t = useT();
  const { store } = useServices();
  const entries = useLogs((s) => s.byKey[k] ?? EMPTY);
  const [levels, setLevels] = useState<Record<LogLevelName, boolean>>({ debug: true, info: true, warn: true, error: true, event: true });
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return entries.filter((e) => levels[e.level] && (q === '' || e.text.toLowerCase().includes(q)));
  }, [entries, levels, query]);

  useEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [shown, follow]);

  return (
    <div className="logs" data-testid="log-view">
      <div className="toolbar">
        <label className="search">
          <Icon name="search" size={14} />
          <input type="search" placeholder={t('logs.search')} aria-label={t('logs.search')} value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <div className="chips" role="group" aria-label={t('logs.levels')}>
          {LOG_LEVELS.map((l) => (
            <button
              key={l}
              type="button"
              className={`chip lvl-${l}${levels[l] ? ' on' : ''}`}
              aria-pressed={levels[l]}
              onClick={() => setLevels({ ...levels, [l]: !levels[l] })}
            >
              {t(`logs.level.${l}`)}
            </button>
          ))}
        </div>
        <div className="spacer" />
        <span className="muted small">{t('logs.count', { shown: shown.length, total: entries.length })}</span>
        <label className="check small">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          {t('logs.follow')}
        </label>
        <button type="button" className="btn ghost small" onClick={() => store.clearLogs(k)}>
          {t('logs.clear')}
        </button>
      </div>
      <div
        className="log-lines mono"
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (atBottom !== follow) setFollow(atBottom);
        }}
      >
        {shown.length === 0 ? (
          <div className="log-empty muted">{entries.length === 0 ? t('logs.empty') : t('logs.noMatch')}</div>
        ) : (
          shown.map((e) => (
            <div key={e.seq} className={`log-line lvl-${e.level}`} data-level={e.level}>
              <span className="log-time">{e.stamp.slice(11)}</span>
              <span className="log-level">{e.level.toUpperCase()}</span>
              <span className="log-text">{e.text}</span>
            </div>
          ))
        )}
      </div>
    </div>
  );
}
