// The instances list: overall numbers and chart on top, then a filterable table with per-row and
// bulk actions.

import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { TOTAL } from '../../shared/traffic';
import { Empty } from '../components/common';
import { Icon } from '../components/Icon';
import { TrafficChart } from '../components/TrafficChart';
import { useT } from '../hooks/i18n';
import { useApp, usePrefs, useServices } from '../hooks/services';
import { labelFor, visibleKeys } from '../store/derived';
import { InstanceRow } from './InstanceRow';
import { InstancesSummary } from './InstancesSummary';
import { InstancesToolbar } from './InstancesToolbar';

export function InstancesView({ theme }: { theme: string }) {
  const t = useT();
  const { store } = useServices();
  const order = usePrefs((s) => s.order);
  const keys = useApp(useShallow((s) => visibleKeys(s, order, (m) => labelFor(t, s.masters[m], m))));
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
      <InstancesSummary />
      <section className="card">
        <div className="card-head">
          <h2>{t('traffic.overall')}</h2>
          <span className="muted small">{t('traffic.window')}</span>
        </div>
        <TrafficChart seriesKey={TOTAL} height={170} theme={theme} label={t('traffic.overall')} />
      </section>
      <section className="card table-card">
        <InstancesToolbar keys={keys} />
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
                      onChange={() => store.setSelection(allSelected ? [] : keys)}
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
                  <InstanceRow key={k} k={k} showMaster={showMaster} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
