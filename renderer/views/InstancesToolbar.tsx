// Above the instance table: search, status and type filters, bulk start/stop of the selection,
// import and export.

import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { describeFailure } from '../components/InstanceActions';
import { Icon } from '../components/Icon';
import { useT } from '../hooks/i18n';
import { useApp, useServices } from '../hooks/services';
import type { StatusFilter, TypeFilter } from '../store/app-state';
import { ExportDialog, ImportDialog } from './TransferDialog';

const STATUS_FILTERS: StatusFilter[] = ['all', 'running', 'stopped', 'error'];

export function InstancesToolbar({ keys }: { keys: string[] }) {
  const t = useT();
  const { store } = useServices();
  const [dialog, setDialog] = useState<'import' | 'export' | null>(null);
  const { query, statusFilter, typeFilter } = useApp(useShallow((s) => ({ query: s.query, statusFilter: s.statusFilter, typeFilter: s.typeFilter })));
  const selectedKeys = useApp(useShallow((s) => Object.keys(s.selected)));
  const bulk = (action: 'start' | 'stop') => store.bulk(selectedKeys, action, describeFailure);
  return (
    <div className="toolbar">
      <label className="search">
        <Icon name="search" size={14} />
        <input
          type="search"
          placeholder={t('list.search')}
          aria-label={t('list.search')}
          value={query}
          onChange={(e) => store.setQuery(e.target.value)}
        />
      </label>
      <div className="segmented" role="group" aria-label={t('list.statusFilter')}>
        {STATUS_FILTERS.map((f) => (
          <button
            key={f}
            type="button"
            className={statusFilter === f ? 'on' : ''}
            aria-pressed={statusFilter === f}
            onClick={() => store.setStatusFilter(f)}
          >
            {t(`filter.${f}`)}
          </button>
        ))}
      </div>
      <select
        className="select"
        aria-label={t('list.typeFilter')}
        value={typeFilter}
        onChange={(e) => store.setTypeFilter(e.target.value as TypeFilter)}
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
          <button type="button" className="btn ghost small" onClick={() => store.setSelection([])}>
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
