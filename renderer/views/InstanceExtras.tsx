// The detail page's organising tools: tags (NodePass meta.tags), the server/client pairing
// (meta.peer, set on both ends), and sharing the instance as its URL or a QR code.

import { useEffect, useState } from 'react';
import { useT } from '../hooks/i18n';
import { qrDataUrl } from '../lib/qr';
import { stripSecrets } from '../lib/transfer';
import { apiOf, applyInstance, displayName, keyOf, toast, useApp, type InstRecord } from '../store/app';
import { usePrefs } from '../store/prefs';
import { CopyButton, Modal, TagChips } from '../components/common';
import { Icon } from '../components/Icon';

export function TagEditor({ i }: { i: InstRecord }) {
  const t = useT();
  const [text, setText] = useState('');
  const tags = i.meta?.tags ?? {};
  const save = async (next: Record<string, string>) => {
    const r = await apiOf(i.master).updateInstance(i.id, { meta: { tags: next } });
    if (r.ok) applyInstance(i.master, r.value);
    else toast('error', (t) => t('action.failed', { action: t('tags.title'), error: r.error }));
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

const EMPTY_PEER = { sid: '', type: '', alias: '' };

export function PeerEditor({ i }: { i: InstRecord }) {
  const t = useT();
  const candidates = useApp((s) =>
    Object.values(s.instances)
      .filter((x) => x.master === i.master && x.id !== i.id && x.type !== i.type)
      .map((x) => `${x.id}\t${displayName(x)}\t${x.type}`)
      .join('\n'),
  );
  const options = candidates ? candidates.split('\n').map((l) => l.split('\t')) : [];
  const peer = i.meta?.peer ?? EMPTY_PEER;
  const link = async (sid: string) => {
    const api = apiOf(i.master);
    const all = useApp.getState().instances;
    // Unpair the old peer, then pair both ends (each points at the other).
    if (peer.sid && all[keyOf(i.master, peer.sid)]) {
      const r = await api.updateInstance(peer.sid, { meta: { peer: EMPTY_PEER } });
      if (r.ok) applyInstance(i.master, r.value);
    }
    const other = all[keyOf(i.master, sid)];
    const mine = other ? { sid: other.id, type: other.type, alias: displayName(other) } : EMPTY_PEER;
    const r = await api.updateInstance(i.id, { meta: { peer: mine } });
    if (!r.ok) return toast('error', (t) => t('action.failed', { action: t('peer.title'), error: r.error }));
    applyInstance(i.master, r.value);
    if (other) {
      const back = await api.updateInstance(other.id, { meta: { peer: { sid: i.id, type: i.type, alias: displayName(i) } } });
      if (back.ok) applyInstance(i.master, back.value);
    }
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

export { TagChips };
