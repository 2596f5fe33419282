// Export instances as JSON (secrets only when asked, and the file says what it left out) and
// import such a file onto a master of the fleet.

import { useMemo, useState } from 'react';
import { useT } from '../hooks/i18n';
import { useApp, useServices } from '../hooks/services';
import { exportInstances, parseImport } from '../lib/transfer';
import { downloadText } from '../platform/download';
import { displayName, labelFor } from '../store/derived';
import { Modal } from '../components/common';
import { Icon } from '../components/Icon';

export function ExportDialog({ keys, onClose }: { keys: string[]; onClose: () => void }) {
  const t = useT();
  const [secrets, setSecrets] = useState(false);
  const instances = useApp((s) => s.instances);
  const file = useMemo(() => exportInstances(keys.map((k) => instances[k]).filter(Boolean), { secrets }), [keys, instances, secrets]);
  const text = JSON.stringify(file, null, 2);
  const omitted = file.instances.filter((i) => i.omitted?.length).length;
  const download = () => downloadText(`nodepass-instances-${new Date().toISOString().slice(0, 10)}.json`, text + '\n', 'application/json');
  return (
    <Modal title={t('transfer.exportTitle', { n: file.instances.length })} onClose={onClose} testId="export-dialog" wide>
      <label className="check">
        <input type="checkbox" checked={secrets} onChange={(e) => setSecrets(e.target.checked)} data-testid="export-secrets" />
        {t('transfer.includeSecrets')}
      </label>
      <p className={`small ${secrets ? 'warn-text' : 'muted'}`} data-testid="export-note">
        {secrets ? t('transfer.secretsWarning') : omitted > 0 ? t('transfer.omitted', { n: omitted }) : t('transfer.noSecrets')}
      </p>
      <textarea className="input mono transfer-text" readOnly value={text} rows={12} data-testid="export-json" aria-label={t('transfer.json')} />
      <div className="form-actions">
        <div className="spacer" />
        <button type="button" className="btn primary" onClick={download}>
          <Icon name="download" size={14} />
          {t('transfer.download')}
        </button>
      </div>
    </Modal>
  );
}

export function ImportDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const { store } = useServices();
  const masters = useApp((s) => s.masters);
  const [master, setMaster] = useState(Object.keys(masters)[0] ?? 'local');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const parsed = useMemo(() => (text.trim() ? parseImport(text) : null), [text]);
  const run = async () => {
    if (!parsed?.ok) return;
    setBusy(true);
    const r = await store.importInstances(master, parsed.value);
    setBusy(false);
    for (const f of r.failed) store.toast('error', (t) => t('transfer.importFailed', { name: f.name, error: f.error }));
    store.toast(r.failed.length ? 'error' : 'info', (t) => t('transfer.imported', { n: r.created }));
    if (!r.failed.length) onClose();
  };
  return (
    <Modal title={t('transfer.importTitle')} onClose={onClose} testId="import-dialog" wide>
      <div className="setting-row">
        <label className="setting-label" htmlFor="import-master">
          {t('transfer.target')}
        </label>
        <select id="import-master" className="select" value={master} onChange={(e) => setMaster(e.target.value)}>
          {Object.values(masters).map((m) => (
            <option key={m.id} value={m.id}>
              {labelFor(t, m)}
            </option>
          ))}
        </select>
        <label className="btn small file-btn">
          <Icon name="upload" size={14} />
          {t('transfer.chooseFile')}
          <input type="file" accept="application/json,.json" onChange={async (e) => setText(await (e.target.files?.[0]?.text() ?? Promise.resolve('')))} />
        </label>
      </div>
      <textarea className="input mono transfer-text" rows={10} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('transfer.paste')} data-testid="import-json" aria-label={t('transfer.json')} />
      {parsed && !parsed.ok && (
        <div className="field-error" role="alert">
          {parsed.error}
        </div>
      )}
      {parsed?.ok && (
        <p className="muted small" data-testid="import-summary">
          {t('transfer.willImport', { n: parsed.value.length })} {parsed.omitted > 0 && t('transfer.importOmitted', { n: parsed.omitted })}
        </p>
      )}
      <ul className="import-list small">{parsed?.ok && parsed.value.map((i, n) => <li key={n}>{displayName({ alias: i.alias, id: i.url })}</li>)}</ul>
      <div className="form-actions">
        <div className="spacer" />
        <button type="button" className="btn primary" disabled={!parsed?.ok || busy} onClick={() => void run()} data-testid="import-run">
          <Icon name="upload" size={14} />
          {t('transfer.import')}
        </button>
      </div>
    </Modal>
  );
}
