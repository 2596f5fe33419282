// The instances list: overall numbers and chart on top, then a filterable table with per-row and
// bulk actions. Each row subscribes to its own instance and rate, so a tick re-renders only the
// rows whose numbers moved.

import { memo, useMemo, useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Translate } from '../../shared/i18n';
import { useT } from '../hooks/i18n';
import { formatBytes, formatCount, formatRate } from '../../shared/format';
import { hrefOf, navigate } from '../lib/router';
import { rxOf, txOf, ZERO_RATE } from '../../shared/traffic';
import {
  act,
  displayName,
  labelFor,
  setSelection,
  toggleSelected,
  TOTAL,
  useApp,
  visibleKeys,
  type Action,
  type StatusFilter,
  type TypeFilter,
} from '../store/app';
import { moveKey } from '../lib/search';
import { setPrefs, toggleMuted, usePrefs } from '../store/prefs';
import { ConfirmButton, Empty, IconButton, MasterBadge, modeText, StatusDot, TagChips, TypeBadge } from '../components/common';
import { ExportDialog, ImportDialog } from './TransferDialog';
import { Icon, type IconName } from '../components/Icon';
import { TrafficChart } from '../components/TrafficChart';

/** The toast for a failed action, in the language current when it shows. */
function failText(a: Action) {
  return (t: Translate, error: string) => t('action.failed', { action: t(`action.${a}`), error });
}

function Summary() {
  const t = useT();
  const counts = useApp(
    useShallow((s) => {
      let running = 0;
      let error = 0;
      let total = 0;
      let rx = 0;
      let tx = 0;
      for (const i of Object.values(s.instances)) {
        total++;
        if (i.status === 'running') running++;
        if (i.status === 'error') error++;
        rx += rxOf(i);
        tx += txOf(i);
      }
      return { running, error, total, rx, tx };
    }),
  );
  const rate = useApp((s) => s.rates[TOTAL] ?? ZERO_RATE);
  return (
    <div className="tiles" data-testid="summary">
      <div className="tile">
        <div className="tile-label">{t('summary.instances')}</div>
        <div className="tile-value">
          <span data-testid="summary-running">{counts.running}</span>
          <span className="tile-sub"> / {counts.total} {t('summary.running')}</span>
        </div>
        {counts.error > 0 && <div className="tile-note error">{t('summary.errors', { n: counts.error })}</div>}
      </div>
      <div className="tile">
        <div className="tile-label">
          <Icon name="down" size={13} className="in" /> {t('traffic.inRate')}
        </div>
        <div className="tile-value mono" data-testid="summary-in-rate">{formatRate(rate.down)}</div>
      </div>
      <div className="tile">
        <div className="tile-label">
          <Icon name="up" size={13} className="out" /> {t('traffic.outRate')}
        </div>
        <div className="tile-value mono" data-testid="summary-out-rate">{formatRate(rate.up)}</div>
      </div>
      <div className="tile">
        <div className="tile-label">{t('traffic.total')}</div>
        <div className="tile-value mono" data-testid="summary-total">{formatBytes(counts.rx + counts.tx)}</div>
        <div className="tile-note">
          ↓ {formatBytes(counts.rx)} · ↑ {formatBytes(counts.tx)}
        </div>
      </div>
    </div>
  );
}

const STATUS_FILTERS: StatusFilter[] = ['all', 'running', 'stopped', 'error'];

function Toolbar({ keys }: { keys: string[] }) {
  const t = useT();
  const [dialog, setDialog] = useState<'import' | 'export' | null>(null);
  const { query, statusFilter, typeFilter } = useApp(useShallow((s) => ({ query: s.query, statusFilter: s.statusFilter, typeFilter: s.typeFilter })));
  const selectedKeys = useApp(useShallow((s) => Object.keys(s.selected)));
  const bulk = (action: 'start' | 'stop') => {
    const all = useApp.getState().instances;
    for (const key of selectedKeys) {
      const i = all[key];
      if (!i) continue;
      // Start is a no-op for an instance in error (the master wants restart for that).
      const a = action === 'start' && i.status === 'error' ? 'restart' : action;
      if (action === 'start' && i.status === 'running') continue;
      if (action === 'stop' && i.status === 'stopped') continue;
      void act(key, a, failText(a));
    }
  };
  return (
    <div className="toolbar">
      <label className="search">
        <Icon name="search" size={14} />
        <input
          type="search"
          placeholder={t('list.search')}
          aria-label={t('list.search')}
          value={query}
          onChange={(e) => useApp.setState({ query: e.target.value })}
        />
      </label>
      <div className="segmented" role="group" aria-label={t('list.statusFilter')}>
        {STATUS_FILTERS.map((f) => (
          <button
            key={f}
            type="button"
            className={statusFilter === f ? 'on' : ''}
            aria-pressed={statusFilter === f}
            onClick={() => useApp.setState({ statusFilter: f })}
          >
            {t(`filter.${f}`)}
          </button>
        ))}
      </div>
      <select
        className="select"
        aria-label={t('list.typeFilter')}
        value={typeFilter}
        onChange={(e) => useApp.setState({ typeFilter: e.target.value as TypeFilter })}
      >
        <option value="all">{t('filter.allTypes')}</option>
        <option value="server">{t('type.server')}</option>
        <option value="client">{t('type.client')}</option>
      </select>
      <div className="spacer" />
      {selectedKeys.length > 0 && (
        <div className="bulk" data-testid="bulk-bar">
          <span className="muted">{t('list.selected', { n: selectedKeys.length })}</span>
          <button type="button" className="btn small" onClick={() => bulk('start')} data-testid="bulk-start">
            <Icon name="play" size={14} />
            {t('action.start')}
          </button>
          <button type="button" className="btn small" onClick={() => bulk('stop')} data-testid="bulk-stop">
            <Icon name="stop" size={14} />
            {t('action.stop')}
          </button>
          <button type="button" className="btn ghost small" onClick={() => setSelection([])}>
            {t('list.clearSelection')}
          </button>
        </div>
      )}
      <button type="button" className="btn ghost small" onClick={() => setDialog('import')} data-testid="import-open">
        <Icon name="upload" size={14} />
        {t('transfer.import')}
      </button>
      <button type="button" className="btn ghost small" onClick={() => setDialog('export')} disabled={keys.length === 0} data-testid="export-open">
        <Icon name="download" size={14} />
        {selectedKeys.length > 0 ? t('transfer.exportSelected', { n: selectedKeys.length }) : t('transfer.exportShown')}
      </button>
      {dialog === 'export' && <ExportDialog keys={selectedKeys.length > 0 ? selectedKeys : keys} onClose={() => setDialog(null)} />}
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} />}
    </div>
  );
}

/** Drag to reorder: the dragged row's key travels in the drag data. */
const DRAG_TYPE = 'application/x-npd-instance';

function dropOn(t: Translate, target: string, dragged: string): void {
  if (!dragged || dragged === target) return;
  const s = useApp.getState();
  const all = visibleKeys({ ...s, query: '', statusFilter: 'all', typeFilter: 'all' }, t, usePrefs.getState().order);
  setPrefs({ order: moveKey(all, dragged, target) });
}

const Row = memo(function Row({ k, showMaster }: { k: string; showMaster: boolean }) {
  const t = useT();
  const i = useApp((s) => s.instances[k]);
  const rate = useApp((s) => s.rates[k] ?? ZERO_RATE);
  const selected = useApp((s) => !!s.selected[k]);
  const busy = useApp((s) => s.busy[k]);
  const masterLabel = useApp((s) => (i ? labelFor(t, s.masters[i.master], i.master) : ''));
  const muted = usePrefs((s) => !!s.muted[k]);
  const [over, setOver] = useState(false);
  if (!i) return null;
  const name = displayName(i);
  const open = () => navigate({ name: 'detail', key: k, tab: 'overview' });
  const peer = i.meta?.peer?.sid ? i.meta.peer.alias || i.meta.peer.sid : '';
  return (
    <tr
      className={`row status-${i.status}${selected ? ' selected' : ''}${over ? ' drop-target' : ''}`}
      data-testid="instance-row"
      data-id={i.id}
      data-key={k}
      data-name={name}
      data-status={i.status}
      onClick={open}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_TYPE, k);
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        dropOn(t, k, e.dataTransfer.getData(DRAG_TYPE));
      }}
    >
      <td className="col-check" onClick={(e) => e.stopPropagation()}>
        <span className="grip" title={t('list.drag')} aria-hidden="true">
          <Icon name="grip" size={14} />
        </span>
        <input type="checkbox" aria-label={t('list.select', { name })} checked={selected} onChange={() => toggleSelected(k)} />
      </td>
      <td className="col-name">
        <div className="name-line">
          <StatusDot status={i.status} />
          <a
            className="name"
            href={`#/i/${encodeURIComponent(i.master)}/${encodeURIComponent(i.id)}`}
            onClick={(e) => e.stopPropagation()}
          >
            {name}
          </a>
          {peer && (
            <span className="peer-mark" title={t('detail.peer', { alias: peer })} data-testid="peer-mark">
              <Icon name="link" size={12} />
            </span>
          )}
          {muted && (
            <span className="peer-mark" title={t('notify.muted')}>
              <Icon name="mute" size={12} />
            </span>
          )}
        </div>
        <div className="sub mono">{i.status === 'error' && i.error ? <span className="error-text">{i.error}</span> : addressOf(i.url)}</div>
        {(showMaster || Object.keys(i.meta?.tags ?? {}).length > 0) && (
          <div className="row-meta">
            {showMaster && <MasterBadge label={masterLabel} />}
            <TagChips tags={i.meta?.tags ?? {}} />
          </div>
        )}
      </td>
      <td>
        <TypeBadge type={i.type} />
      </td>
      <td className="muted">{modeText(t, i.type, i.mode)}</td>
      <td className="num">{i.status === 'running' && i.mode > 0 ? `${i.ping} ms` : '—'}</td>
      <td className="num">{i.status === 'running' ? formatCount(i.pool) : '—'}</td>
      <td className="num" title={t('list.sessionsTitle', { tcp: i.tcps, udp: i.udps })}>
        {i.status === 'running' ? formatCount(i.tcps + i.udps) : '—'}
      </td>
      <td className="num mono rates">
        <div className="rate-in" data-testid="row-in-rate">
          ↓ {formatRate(rate.down)}
        </div>
        <div className="rate-out" data-testid="row-out-rate">
          ↑ {formatRate(rate.up)}
        </div>
      </td>
      <td className="num mono" data-testid="row-total" data-rx={rxOf(i)} data-tx={txOf(i)} title={`↓ ${formatBytes(rxOf(i))} · ↑ ${formatBytes(txOf(i))}`}>
        {formatBytes(rxOf(i) + txOf(i))}
      </td>
      <td className="col-actions">
        <RowActions k={k} status={i.status} busy={busy} name={name} />
      </td>
    </tr>
  );
});

export function RowActions({ k, status, busy, name, labelled, children }: { k: string; status: string; busy?: string; name: string; labelled?: boolean; children?: ReactNode }) {
  const t = useT();
  const run = (a: 'start' | 'stop' | 'restart' | 'reset' | 'delete') => void act(k, a, failText(a));
  if (labelled) {
    // The detail page has room for words.
    const Btn = ({ a, icon, primary }: { a: 'start' | 'stop' | 'restart' | 'reset'; icon: IconName; primary?: boolean }) => (
      <button type="button" className={`btn small${primary ? ' primary' : ''}`} disabled={!!busy} onClick={() => run(a)} data-testid={`action-${a}`}>
        <Icon name={icon} size={14} />
        {t(`action.${a}`)}
      </button>
    );
    return (
      <div className="actions labelled">
        {status === 'stopped' ? <Btn a="start" icon="play" primary /> : <Btn a="stop" icon="stop" />}
        <Btn a="restart" icon="restart" />
        <Btn a="reset" icon="reset" />
        <a className="btn small" href={hrefOf({ name: 'edit', key: k })} data-testid="action-edit">
          <Icon name="edit" size={14} />
          {t('action.edit')}
        </a>
        {children}
        <ConfirmButton icon="trash" label={t('action.delete')} confirmLabel={t('action.confirmDelete')} onConfirm={() => run('delete')} disabled={!!busy} testId="action-delete" wide />
      </div>
    );
  }
  return (
    <div className="actions">
      {status === 'stopped' ? (
        <IconButton icon="play" tone="primary" label={t('action.startNamed', { name })} onClick={() => run('start')} busy={busy === 'start'} testId="action-start" />
      ) : (
        <IconButton icon="stop" label={t('action.stopNamed', { name })} onClick={() => run('stop')} busy={busy === 'stop'} testId="action-stop" />
      )}
      <IconButton icon="restart" label={t('action.restart')} onClick={() => run('restart')} busy={busy === 'restart'} testId="action-restart" />
      <IconButton icon="reset" label={t('action.reset')} onClick={() => run('reset')} busy={busy === 'reset'} testId="action-reset" />
      <IconButton icon="edit" label={t('action.edit')} onClick={() => navigate({ name: 'edit', key: k })} testId="action-edit" />
      <MuteButton k={k} />
      <ConfirmButton icon="trash" label={t('action.delete')} confirmLabel={t('action.confirmDelete')} onConfirm={() => run('delete')} disabled={!!busy} testId="action-delete" />
    </div>
  );
}

export function MuteButton({ k, labelled }: { k: string; labelled?: boolean }) {
  const t = useT();
  const muted = usePrefs((s) => !!s.muted[k]);
  const label = muted ? t('notify.unmute') : t('notify.mute');
  if (labelled) {
    return (
      <button type="button" className={`btn small ghost${muted ? ' on' : ''}`} onClick={() => toggleMuted(k)} aria-pressed={muted} data-testid="action-mute">
        <Icon name={muted ? 'mute' : 'bell'} size={14} />
        {label}
      </button>
    );
  }
  return <IconButton icon={muted ? 'mute' : 'bell'} label={label} onClick={() => toggleMuted(k)} testId="action-mute" />;
}

/** `server://key@host:port/targets?…` → `host:port → targets`, the part people recognise. */
export function addressOf(url: string): string {
  const m = /^\w+:\/\/(?:[^@/]*@)?([^/?#]*)\/?([^?#]*)/.exec(url);
  if (!m) return url;
  return m[2] ? `${m[1]} → ${decodeURIComponent(m[2])}` : m[1];
}

export function InstancesView({ theme }: { theme: string }) {
  const t = useT();
  const order = usePrefs((s) => s.order);
  const keys = useApp(useShallow((s) => visibleKeys(s, t, order)));
  const showMaster = useApp((s) => Object.keys(s.masters).length > 1);
  const total = useApp((s) => Object.keys(s.instances).length);
  const allSelected = useApp((s) => keys.length > 0 && keys.every((k) => s.selected[k]));
  const connected = useApp((s) => Object.values(s.masters).some((m) => m.connected));
  const columns = useMemo(
    () => [t('col.name'), t('col.type'), t('col.mode'), t('col.ping'), t('col.pool'), t('col.sessions'), t('col.rate'), t('col.total')],
    [t],
  );
  return (
    <div className="page" data-testid="view-instances">
      <header className="page-head">
        <div>
          <h1>{t('list.title')}</h1>
          <p className="muted">{showMaster ? t('list.subtitleFleet') : t('list.subtitle')}</p>
        </div>
        <div className="spacer" />
        <a className="btn primary" href="#/new" data-testid="new-instance">
          <Icon name="plus" size={15} />
          {t('list.new')}
        </a>
      </header>
      <Summary />
      <section className="card">
        <div className="card-head">
          <h2>{t('traffic.overall')}</h2>
          <span className="muted small">{t('traffic.window')}</span>
        </div>
        <TrafficChart seriesKey={TOTAL} height={170} theme={theme} label={t('traffic.overall')} />
      </section>
      <section className="card table-card">
        <Toolbar keys={keys} />
        {total === 0 ? (
          <Empty title={connected ? t('list.emptyTitle') : t('list.connecting')}>
            {connected && (
              <>
                <p>{t('list.emptyBody')}</p>
                <a className="btn primary" href="#/new">
                  <Icon name="plus" size={15} />
                  {t('list.new')}
                </a>
              </>
            )}
          </Empty>
        ) : keys.length === 0 ? (
          <Empty title={t('list.noMatch')} />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="instance-table">
              <colgroup>
                {['check', 'name', 'type', 'mode', 'ping', 'pool', 'sessions', 'rate', 'total', 'actions'].map((c) => (
                  <col key={c} className={`c-${c}`} />
                ))}
              </colgroup>
              <thead>
                <tr>
                  <th className="col-check">
                    <span className="grip" aria-hidden="true" />
                    <input
                      type="checkbox"
                      aria-label={t('list.selectAll')}
                      checked={allSelected}
                      onChange={() => setSelection(allSelected ? [] : keys)}
                    />
                  </th>
                  {columns.map((c, n) => (
                    <th key={c} className={n >= 3 ? 'num' : ''}>
                      {c}
                    </th>
                  ))}
                  <th className="col-actions">{t('col.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <Row key={k} k={k} showMaster={showMaster} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
