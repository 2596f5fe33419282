// The detail page's organising tools: tags (NodePass meta.tags), the server/client pairing
// (meta.peer, set on both ends), and sharing the instance as its URL or a QR code.

import { useEffect, useState } from 'react';
import { useT } from '../hooks/i18n';
import { qrDataUrl } from '../platform/qr';
import { stripSecrets } from '../lib/transfer';
import { useApp, usePrefs, useServices } from '../hooks/services';
import type { InstRecord } from '../store/app-state';
import { displayName } from '../store/derived';
import { NO_PEER } from '../store/peers';
import { CopyButton, Modal } from '../components/common';
import { Icon } from '../components/Icon';

export function TagEditor({ i }: { i: InstRecord }) {
  const t = useT();
  const [text, setText] = useState('');
  const tags = i.meta?.tags ?? {};
  const { store } = useServices();
  const save = async (next: Record<string, string>) => {
    const r = await store.saveTags(i.key, next);
    if (!r.ok) store.toast('error', (t) => t('action.failed', { action: t('tags.title'), error: r.error }));
  };
  const add = () => {
    const raw = text.trim();
    if (!raw) return;
    const eq = raw.search(/[=:]/);
    const k = (eq > 0 ? raw.slice(0, eq) : raw).trim();
    const v = eq > 0 ? raw.slice(eq + 1).trim() : '';
    setText('');
    void save({ ...tags, [k]: v });
  };
  return (
    <div className="tag-editor" data-testid="tag-editor">
      <div className="tags">
        {Object.entries(tags).map(([k, v]) => (
          <span key={k} className="tag" data-testid="tag">
            {v ? `${k}: ${v}` : k}
            <button
              type="button"
              className="tag-x"
              aria-label={t('tags.remove', { tag: k })}
              onClick={() => {
                const next = { ...tags };
                delete next[k];
                void save(next);
              }}
            >
              <Icon name="close" size={10} />
            </button>
          </span>
        ))}
        {Object.keys(tags).length === 0 && <span className="muted small">{t('tags.none')}</span>}
      </div>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <input className="input small-input" value={text} onChange={(e) => setText(e.target.value)} placeholder={t('tags.placeholder')} aria-label={t('tags.add')} data-testid="tag-input" />
        <button type="submit" className="btn small" disabled={!text.trim()} data-testid="tag-add">
          <Icon name="tag" size={13} />
          {t('tags.add')}
        </button>
      </form>
    </div>
  );
}

export function PeerEditor({ i }: { i: InstRecord }) {
  const t = useT();
  const candidates = useApp((s) =>
    Object.values(s.instances)
      .filter((x) => x.master === i.master && x.id !== i.id && x.type !== i.type)
      .map((x) => `${x.id}\t${displayName(x)}\t${x.type}`)
      .join('\n'),
  );
  const options = candidates ? candidates.split('\n').map((l) => l.split('\t')) : [];
  const { store } = useServices();
  const peer = i.meta?.peer ?? NO_PEER;
  const link = async (sid: string) => {
    const r = await store.linkPeers(i.master, i.id, sid);
    if (!r.ok) store.toast('error', (t) => t('action.failed', { action: t('peer.title'), error: r.error }));
  };
  return (
    <div className="setting-row">
      <label className="setting-label" htmlFor="peer-select">
        <Icon name="link" size={13} /> {t('peer.title')}
      </label>
      <select id="peer-select" className="select" value={peer.sid} onChange={(e) => void link(e.target.value)} data-testid="peer-select">
        <option value="">{t('peer.none')}</option>
        {peer.sid && !options.some(([id]) => id === peer.sid) && <option value={peer.sid}>{peer.alias || peer.sid}</option>}
        {options.map(([id, name, type]) => (
          <option key={id} value={id}>
            {`${name} (${type === 'server' ? t('type.server') : t('type.client')})`}
          </option>
        ))}
      </select>
      {peer.sid && (
        <a className="small" href={`#/i/${encodeURIComponent(i.master)}/${encodeURIComponent(peer.sid)}`} data-testid="peer-link">
          {t('detail.peer', { alias: peer.alias || peer.sid })}
        </a>
      )}
    </div>
  );
}

export function ShareDialog({ i, onClose }: { i: InstRecord; onClose: () => void }) {
  const t = useT();
  const [secrets, setSecrets] = useState(false);
  const [qr, setQr] = useState('');
  const theme = usePrefs((s) => s.theme);
  const stripped = stripSecrets(i.url);
  const url = secrets ? i.url : stripped.url;
  useEffect(() => {
    let alive = true;
    void qrDataUrl(url, theme === 'dark').then((d) => alive && setQr(d));
    return () => {
      alive = false;
    };
  }, [url, theme]);
  return (
    <Modal title={t('share.title', { name: displayName(i) })} onClose={onClose} testId="share-dialog">
      <div className="share">
        {qr && <img className="qr" src={qr} alt={t('share.qr')} width={240} height={240} data-testid="share-qr" />}
        <div className="share-side">
          <code className="url-box" data-testid="share-url">
            {url}
          </code>
          <CopyButton text={url} />
          {stripped.omitted.length > 0 && (
            <label className="check">
              <input type="checkbox" checked={secrets} onChange={(e) => setSecrets(e.target.checked)} data-testid="share-secrets" />
              {t('share.includeSecrets')}
            </label>
          )}
          <p className="muted small">{stripped.omitted.length === 0 ? t('share.noSecrets') : secrets ? t('share.withSecrets') : t('share.withoutSecrets', { what: stripped.omitted.join(', ') })}</p>
        </div>
      </div>
    </Modal>
  );
}
