// One instance: what it is doing now (numbers, chart), what it was started with (URL, config), and
// its live log.

import { useState } from 'react';
import { formatBytes, formatRate } from '../../shared/format';
import { rxOf, txOf, ZERO_RATE } from '../../shared/traffic';
import { CopyButton, Empty, MasterBadge, modeText, StatusPill, TypeBadge } from '../components/common';
import { HistoryChart } from '../components/HistoryChart';
import { Icon } from '../components/Icon';
import { InstanceActions, MuteButton } from '../components/InstanceActions';
import { LogView } from '../components/LogView';
import { TrafficChart } from '../components/TrafficChart';
import { useT } from '../hooks/i18n';
import { useApp } from '../hooks/services';
import { addressOf } from '../lib/address';
import { hrefOf } from '../lib/routes';
import { displayName, labelFor } from '../store/derived';
import { PeerEditor, ShareDialog, TagEditor } from './InstanceExtras';

function Stat({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value mono" data-testid={testId}>
        {value}
      </div>
      {sub && <div className="stat-sub muted">{sub}</div>}
    </div>
  );
}

export function InstanceDetail({ k, tab, theme }: { k: string; tab: 'overview' | 'logs'; theme: string }) {
  const t = useT();
  const i = useApp((s) => s.instances[k]);
  const rate = useApp((s) => s.rates[k] ?? ZERO_RATE);
  const busy = useApp((s) => s.busy[k]);
  const connected = useApp((s) => Object.values(s.masters).some((m) => m.connected));
  const masterLabel = useApp((s) => (i && Object.keys(s.masters).length > 1 ? labelFor(t, s.masters[i.master], i.master) : ''));
  const [sharing, setSharing] = useState(false);
  if (!i) {
    return (
      <div className="page">
        <a className="back" href="#/">
          <Icon name="back" size={14} />
          {t('nav.instances')}
        </a>
        <Empty title={connected ? t('detail.gone') : t('list.connecting')} />
      </div>
    );
  }
  const name = displayName(i);
  const running = i.status === 'running';
  return (
    <div className="page" data-testid="view-detail" data-id={i.id}>
      <a className="back" href="#/">
        <Icon name="back" size={14} />
        {t('nav.instances')}
      </a>
      <header className="page-head detail-head">
        <div>
          <div className="title-line">
            <h1>{name}</h1>
            <StatusPill status={i.status} />
            <TypeBadge type={i.type} />
            {masterLabel && <MasterBadge label={masterLabel} />}
          </div>
          <p className="muted mono small">
            {i.id} · {addressOf(i.url)}
          </p>
        </div>
        <div className="spacer" />
        <InstanceActions k={k} status={i.status} busy={busy} name={name} labelled />
      </header>
      {sharing && <ShareDialog i={i} onClose={() => setSharing(false)} />}
      {i.status === 'error' && (
        <div className="banner error" role="alert">
          <strong>{t('detail.errorTitle')}</strong> {i.error || t('detail.errorUnknown')}
        </div>
      )}
      <nav className="tabs" aria-label={t('detail.tabs')}>
        <a href={hrefOf({ name: 'detail', key: k, tab: 'overview' })} className={tab === 'overview' ? 'on' : ''} data-testid="tab-overview">
          {t('detail.overview')}
        </a>
        <a href={hrefOf({ name: 'detail', key: k, tab: 'logs' })} className={tab === 'logs' ? 'on' : ''} data-testid="tab-logs">
          {t('detail.logs')}
        </a>
        <div className="spacer" />
        <div className="actions labelled tab-actions">
          <button type="button" className="btn small ghost" onClick={() => setSharing(true)} data-testid="action-share">
            <Icon name="share" size={14} />
            {t('share.button')}
          </button>
          <MuteButton k={k} labelled />
        </div>
      </nav>
      {tab === 'logs' ? (
        <section className="card">
          <LogView k={k} />
        </section>
      ) : (
        <>
          <section className="card">
            <div className="card-head">
              <h2>{t('detail.connection')}</h2>
            </div>
            <div className="stats">
              <Stat label={t('col.mode')} value={modeText(t, i.type, i.mode)} />
              <Stat label={t('col.ping')} value={running && i.mode > 0 ? `${i.ping} ms` : '—'} />
              <Stat label={t('col.pool')} value={running ? String(i.pool) : '—'} />
              <Stat label={t('detail.tcpSessions')} value={running ? String(i.tcps) : '—'} />
              <Stat label={t('detail.udpSessions')} value={running ? String(i.udps) : '—'} />
            </div>
          </section>
          <section className="card">
            <div className="card-head">
              <h2>{t('traffic.instance')}</h2>
              <span className="muted small">{t('traffic.window')}</span>
            </div>
            <div className="stats traffic-stats">
              <Stat label={t('traffic.inRate')} value={formatRate(rate.down)} testId="detail-in-rate" />
              <Stat label={t('traffic.outRate')} value={formatRate(rate.up)} testId="detail-out-rate" />
              <Stat
                label={t('detail.received')}
                value={formatBytes(rxOf(i))}
                sub={t('detail.tcpUdp', { tcp: formatBytes(i.tcprx), udp: formatBytes(i.udprx) })}
                testId="detail-rx"
              />
              <Stat
                label={t('detail.sent')}
                value={formatBytes(txOf(i))}
                sub={t('detail.tcpUdp', { tcp: formatBytes(i.tcptx), udp: formatBytes(i.udptx) })}
                testId="detail-tx"
              />
            </div>
            <TrafficChart seriesKey={k} height={220} theme={theme} label={t('traffic.instance')} />
          </section>
          <HistoryChart master={i.master} id={i.id} theme={theme} />
          <section className="card">
            <div className="card-head">
              <h2>{t('tags.title')}</h2>
            </div>
            <TagEditor i={i} />
            <PeerEditor i={i} />
          </section>
          <section className="card">
            <div className="card-head">
              <h2>{t('detail.url')}</h2>
              <CopyButton text={i.url} />
            </div>
            <code className="url-box" data-testid="detail-url">
              {i.url}
            </code>
            <div className="card-head">
              <h2>{t('detail.config')}</h2>
              <CopyButton text={i.config} />
            </div>
            <code className="url-box muted">{i.config}</code>
          </section>
        </>
      )}
    </div>
  );
}
