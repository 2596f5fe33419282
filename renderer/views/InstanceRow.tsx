// One row of the instance table. It subscribes to its own instance and rate, so a tick re-renders
// only the rows whose numbers moved; rows can be dragged to reorder the list.

import { memo, useState } from 'react';
import { formatBytes, formatCount, formatRate } from '../../shared/format';
import { rxOf, txOf, ZERO_RATE } from '../../shared/traffic';
import { MasterBadge, modeText, StatusDot, TagChips, TypeBadge } from '../components/common';
import { Icon } from '../components/Icon';
import { InstanceActions } from '../components/InstanceActions';
import { useT } from '../hooks/i18n';
import { navigate } from '../hooks/route';
import { usePrefs, useApp, useServices } from '../hooks/services';
import { addressOf } from '../lib/address';
import { displayName, labelFor } from '../store/derived';

/** Drag to reorder: the dragged row's key travels in the drag data. */
const DRAG_TYPE = 'application/x-npd-instance';

export const InstanceRow = memo(function InstanceRow({ k, showMaster }: { k: string; showMaster: boolean }) {
  const t = useT();
  const { store } = useServices();
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
        store.reorder(e.dataTransfer.getData(DRAG_TYPE), k);
      }}
    >
      <td className="col-check" onClick={(e) => e.stopPropagation()}>
        <span className="grip" title={t('list.drag')} aria-hidden="true">
          <Icon name="grip" size={14} />
        </span>
        <input type="checkbox" aria-label={t('list.select', { name })} checked={selected} onChange={() => store.toggleSelected(k)} />
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
        <InstanceActions k={k} status={i.status} busy={busy} name={name} />
      </td>
    </tr>
  );
});
