// The fleet: every master (this computer's and remote NodePass-compatible ones) with its state,
// version and instances; add one by address + API key, by an np://master link or by a picture of
// its QR code; rename or remove remote ones.

import { useState, type FormEvent } from 'react';
import { UNTRUSTED_CERT } from '../../engine/api/desktop';
import { decodeMasterLink } from '../../engine/api/np-link';
import { useT } from '../hooks/i18n';
import { formatUptime } from '../../shared/format';
import { useNow } from '../hooks/now';
import { useApp, useServices } from '../hooks/services';
import { readQrFromFile } from '../platform/qr';
import type { MasterState } from '../store/app-state';
import { labelFor } from '../store/derived';
import { ConfirmButton, Empty } from '../components/common';
import { Icon } from '../components/Icon';

function MasterRow({ m }: { m: MasterState }) {
  const t = useT();
  const { store } = useServices();
  const counts = useApp((s) => {
    let total = 0;
    let running = 0;
    let error = 0;
    for (const i of Object.values(s.instances)) {
      if (i.master !== m.id) continue;
      total++;
      if (i.status === 'running') running++;
      if (i.status === 'error') error++;
    }
    return `${total}|${running}|${error}`;
  });
  const [total, running, error] = counts.split('|').map(Number);
  const now = useNow(5000);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(m.name);
  const rename = async () => {
    const r = await store.updateRemoteMaster(m.id, { name });
    if (!r.ok) store.toast('error', (t) => t('masters.failed', { error: r.error }));
    else setEditing(false);
  };
  return (
    <div className="card master-card" data-testid="master-card" data-master={m.id} data-connected={m.connected}>
      <div className="master-card-head">
        <span className={`dot ${m.connected ? 'dot-running' : 'dot-error'}`} />
        {editing ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void rename();
            }}
          >
            <input className="input" value={name} aria-label={t('masters.name')} onChange={(e) => setName(e.target.value)} autoFocus />
            <button type="submit" className="btn small primary">
              {t('form.save')}
            </button>
            <button type="button" className="btn small ghost" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
          </form>
        ) : (
          <h2 className="master-title">{labelFor(t, m)}</h2>
        )}
        <span className={`pill ${m.connected ? 'pill-running' : 'pill-error'}`} data-testid="master-state">
          {m.connected ? t('masters.online') : t('masters.offline')}
        </span>
        {m.local && m.label && <span className="badge">{t('masters.thisComputer')}</span>}
        <div className="spacer" />
        {!m.local && !editing && (
          <>
            <button type="button" className="btn small ghost" onClick={() => setEditing(true)} data-testid="master-rename">
              <Icon name="edit" size={14} />
              {t('masters.rename')}
            </button>
            <ConfirmButton
              icon="trash"
              label={t('masters.remove')}
              confirmLabel={t('masters.confirmRemove')}
              wide
              testId="master-remove"
              onConfirm={() =>
                void store.removeRemoteMaster(m.id).then((r) => {
                  if (!r.ok) store.toast('error', (t) => t('masters.failed', { error: r.error }));
                })
              }
            />
          </>
        )}
      </div>
      <div className="stats master-stats">
        <div className="stat">
          <div className="stat-label">{t('masters.address')}</div>
          <div className="stat-value mono small-value">{m.url || '—'}</div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('masters.version')}</div>
          <div className="stat-value mono small-value" data-testid="master-version">
            {m.info?.ver ?? '—'}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('masters.uptime')}</div>
          <div className="stat-value mono small-value">{m.connected && m.info ? formatUptime(m.info.uptime + (now - m.infoAt) / 1000) : '—'}</div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('masters.instances')}</div>
          <div className="stat-value mono small-value" data-testid="master-instances">
            {t('masters.instanceCounts', { total, running })}
            {error > 0 && <span className="error-text"> · {t('summary.errors', { n: error })}</span>}
          </div>
        </div>
      </div>
      {m.fingerprint && (
        <p className="muted small mono">
          <Icon name="key" size={13} /> {t('masters.pinned', { fp: m.fingerprint })}
        </p>
      )}
      <a className="btn small ghost" href="#/" onClick={() => store.setQuery(`master:"${labelFor(t, m).toLowerCase()}"`)}>
        <Icon name="list" size={14} />
        {t('masters.showInstances')}
      </a>
    </div>
  );
}

type Mode = 'address' | 'link';

function AddMaster() {
  const t = useT();
  const { store } = useServices();
  const [mode, setMode] = useState<Mode>('address');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [link, setLink] = useState('');
  const [error, setError] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [busy, setBusy] = useState(false);

  const fromLink = (text: string) => {
    setLink(text);
    if (text.trim() === '') return setError('');
    const r = decodeMasterLink(text);
    if (!r.ok) return setError(t('masters.badLink', { error: r.error }));
    setError('');
    setUrl(r.value.url);
    setKey(r.value.key);
  };

  const submit = async (e: FormEvent, trust = '') => {
    e.preventDefault();
    setBusy(true);
    const r = await store.addRemoteMaster({ name, url, key, fingerprint: trust || undefined });
    setBusy(false);
    if (r.ok) {
      store.toast('info', (t) => t('masters.added', { name: name || r.value.url }));
      setName('');
      setUrl('');
      setKey('');
      setLink('');
      setError('');
      setFingerprint('');
      return;
    }
    const fp = r.status === UNTRUSTED_CERT ? /SHA-256 ([0-9A-F:]+)/i.exec(r.error)?.[1] ?? '' : '';
    setFingerprint(fp);
    setError(fp ? t('masters.untrusted', { fp }) : r.status === 401 ? t('masters.wrongKey') : r.error);
  };

  return (
    <form className="card add-master" onSubmit={(e) => void submit(e)} data-testid="add-master">
      <div className="card-head">
        <h2>{t('masters.addTitle')}</h2>
        <div className="segmented" role="group" aria-label={t('masters.addHow')}>
          {(['address', 'link'] as const).map((m) => (
            <button key={m} type="button" className={mode === m ? 'on' : ''} aria-pressed={mode === m} onClick={() => setMode(m)} data-testid={`add-mode-${m}`}>
              {t(`masters.mode.${m}`)}
            </button>
          ))}
        </div>
      </div>
      <p className="muted small">{t('masters.addHint')}</p>
      {mode === 'link' && (
        <div className="field wide">
          <label htmlFor="m-link">{t('masters.link')}</label>
          <textarea id="m-link" className="input mono" rows={2} value={link} placeholder={t('masters.linkPlaceholder')} onChange={(e) => fromLink(e.target.value)} data-testid="master-link" />
          <div className="hint">{t('masters.linkHint')}</div>
          <label className="btn small file-btn">
            <Icon name="qr" size={14} />
            {t('masters.qrFile')}
            <input
              type="file"
              accept="image/*"
              data-testid="master-qr-file"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (!f) return;
                const text = await readQrFromFile(f).catch(() => null);
                if (!text) setError(t('masters.noQr'));
                else fromLink(text);
              }}
            />
          </label>
        </div>
      )}
      <div className="fields two">
        <div className="field">
          <label htmlFor="m-url">{t('masters.address')}</label>
          <input id="m-url" className="input mono" value={url} placeholder={t('masters.urlPlaceholder')} onChange={(e) => setUrl(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="m-key">{t('masters.key')}</label>
          <input id="m-key" className="input mono" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="m-name">{t('masters.name')}</label>
          <input id="m-name" className="input" value={name} placeholder={t('masters.namePlaceholder')} onChange={(e) => setName(e.target.value)} />
        </div>
      </div>
      {error && (
        <div className="field-error" role="alert" data-testid="add-master-error">
          {error}
        </div>
      )}
      <div className="form-actions">
        {fingerprint && (
          <button type="button" className="btn" disabled={busy} onClick={(e) => void submit(e as unknown as FormEvent, fingerprint)} data-testid="master-trust">
            <Icon name="key" size={14} />
            {t('masters.trust')}
          </button>
        )}
        <button type="submit" className="btn primary" disabled={busy || !url || !key} data-testid="master-add">
          <Icon name="plus" size={14} />
          {busy ? t('masters.checking') : t('masters.add')}
        </button>
      </div>
    </form>
  );
}

export function MastersView() {
  const t = useT();
  const masters = useApp((s) => s.masters);
  const list = Object.values(masters);
  return (
    <div className="page" data-testid="view-masters">
      <header className="page-head">
        <div>
          <h1>{t('masters.title')}</h1>
          <p className="muted">{t('masters.subtitle')}</p>
        </div>
      </header>
      {list.length === 0 ? <Empty title={t('list.connecting')} /> : list.map((m) => <MasterRow key={m.id} m={m} />)}
      <AddMaster />
    </div>
  );
}
