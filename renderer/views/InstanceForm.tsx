// Create / edit an instance by building its NodePass URL field by field. The URL box and the fields
// are two views of one thing: typing in either updates the other, and pasting a URL anywhere in
// the form fills it. Validation is the engine's own URL model, so the messages are the CLI's. The
// form's state is a reducer (lib/instance-form.ts); saving is the store's createInstance /
// editInstance.

import { useEffect, useReducer, type ClipboardEvent } from 'react';
import { Field, Issues } from '../components/form/Field';
import { ParamField } from '../components/form/ParamField';
import { TargetsField } from '../components/form/TargetsField';
import { Icon } from '../components/Icon';
import { useT } from '../hooks/i18n';
import { navigate } from '../hooks/route';
import { useApp, useServices } from '../hooks/services';
import { formView, initialFormState, INSTANCE_URL, instanceFormReducer } from '../lib/instance-form';
import { otherParams, paramsFor, type FormFields } from '../lib/url-form';
import { displayName, labelFor } from '../store/derived';

function randomKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function InstanceForm({ editKey }: { editKey?: string }) {
  const t = useT();
  const { store } = useServices();
  const editing = useApp((s) => (editKey ? s.instances[editKey] : undefined));
  const masters = useApp((s) => s.masters);
  const [state, dispatch] = useReducer(instanceFormReducer, undefined, initialFormState);
  const { fields, alias, advanced, pair, saving, serverError, submitted, urlIssues, pairTargets } = state;
  const master = editing?.master ?? (state.master && masters[state.master] ? state.master : (Object.keys(masters)[0] ?? 'local'));
  const view = formView(state);
  const { check, pairCheck, shown, paramIssues, derivedKey, urlShown, urlValid, allIssues } = view;

  // The record may arrive after the form (a reload on the edit page): fill the form once it does.
  useEffect(() => {
    if (editing && state.loadedFor !== editing.key) dispatch({ type: 'load', key: editing.key, url: editing.url, alias: editing.alias });
  }, [editing, state.loadedFor]);

  const update = (patch: Partial<FormFields>) => dispatch({ type: 'fields', patch });
  const setParam = (name: string, value: string) => dispatch({ type: 'param', name, value });

  const onPaste = (e: ClipboardEvent<HTMLFormElement>) => {
    const text = e.clipboardData.getData('text');
    if ((e.target as HTMLElement).id === 'f-url' || !INSTANCE_URL.test(text)) return;
    e.preventDefault();
    dispatch({ type: 'urlText', text: text.trim() });
  };

  const submit = async () => {
    dispatch({ type: 'submit' });
    if (!view.valid) return;
    dispatch({ type: 'saving', saving: true });
    const name = alias.trim();
    const r = editing
      ? await store.editInstance({ key: editing.key, url: check.url, alias })
      : await store.createInstance({
          master,
          url: check.url,
          alias,
          pair: pairCheck ? { url: pairCheck.url, alias: name ? t('form.pair.clientAlias', { name }) : '' } : undefined,
        });
    if (!r.ok) {
      dispatch({ type: 'failed', error: r.step === 'pair' ? t('form.pair.clientFailed', { error: r.error }) : r.error });
      return;
    }
    dispatch({ type: 'saving', saving: false });
    if (r.paired) {
      store.toast('info', (t) => t('form.pair.created'));
      navigate({ name: 'list' });
    } else navigate({ name: 'detail', key: r.key, tab: 'overview' });
  };

  if (editKey && !editing) {
    return (
      <div className="page">
        <a className="back" href="#/">
          <Icon name="back" size={14} />
          {t('nav.instances')}
        </a>
        <div className="empty">
          <div className="empty-title">{t('detail.gone')}</div>
        </div>
      </div>
    );
  }

  const isServer = fields.scheme === 'server';
  const { main, advanced: adv } = paramsFor(fields.scheme);
  const others = otherParams(fields);
  // Certificate files matter with tls=2 only (shown anyway when one is set).
  const shownMain = main.filter((p) => (p.name === 'crt' || p.name === 'key' ? fields.params.tls === '2' || !!fields.params[p.name] : true));

  return (
    <div className="page form-page" data-testid="view-form">
      <a className="back" href={editing ? `#/i/${encodeURIComponent(editing.master)}/${encodeURIComponent(editing.id)}` : '#/'}>
        <Icon name="back" size={14} />
        {editing ? displayName(editing) : t('nav.instances')}
      </a>
      <header className="page-head">
        <div>
          <h1>{editing ? t('form.editTitle', { name: displayName(editing) }) : t('form.newTitle')}</h1>
          <p className="muted">{t('form.subtitle')}</p>
        </div>
      </header>
      <form
        className="form-grid"
        noValidate
        onPaste={onPaste}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="form-main">
          <section className="card">
            {!editing && Object.keys(masters).length > 1 && (
              <div className="field wide">
                <label htmlFor="f-master">{t('form.master')}</label>
                <select id="f-master" className="select" value={master} onChange={(e) => dispatch({ type: 'master', master: e.target.value })} data-testid="form-master">
                  {Object.values(masters).map((m) => (
                    <option key={m.id} value={m.id}>
                      {labelFor(t, m)}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <div className="field wide">
              <span className="label">{t('form.role')}</span>
              <div className="segmented big" role="radiogroup" aria-label={t('form.role')}>
                {(['server', 'client'] as const).map((s) => (
                  <button
                    key={s}
                    type="button"
                    role="radio"
                    aria-checked={fields.scheme === s}
                    className={fields.scheme === s ? 'on' : ''}
                    onClick={() => update({ scheme: s })}
                    data-testid={`role-${s}`}
                  >
                    <Icon name={s} size={15} />
                    <span>
                      <strong>{s === 'server' ? t('type.server') : t('type.client')}</strong>
                      <small>{s === 'server' ? t('form.role.server') : t('form.role.client')}</small>
                    </span>
                  </button>
                ))}
              </div>
            </div>
            <div className="fields">
              <Field label={t('form.alias')} htmlFor="f-alias" errId="err-alias" hint={t('form.aliasHint')}>
                <input id="f-alias" className="input" value={alias} maxLength={256} onChange={(e) => dispatch({ type: 'alias', alias: e.target.value })} placeholder={t('form.aliasPlaceholder')} />
              </Field>
              <Field
                label={isServer ? t('form.tunnel.server') : t('form.tunnel.client')}
                hint={isServer ? t('form.tunnel.serverHint') : t('form.tunnel.clientHint')}
                htmlFor="f-tunnel"
                issues={shown('tunnel')}
                errId="err-tunnel"
              >
                <input
                  id="f-tunnel"
                  className="input mono"
                  value={fields.tunnel}
                  spellCheck={false}
                  placeholder={isServer ? '0.0.0.0:10101' : 'server.example.com:10101'}
                  aria-invalid={!!shown('tunnel')}
                  onChange={(e) => update({ tunnel: e.target.value })}
                  onBlur={() => dispatch({ type: 'touch', field: 'tunnel' })}
                />
              </Field>
              <TargetsField
                label={isServer ? t('form.targets.server') : t('form.targets.client')}
                hint={isServer ? t('form.targets.serverHint') : t('form.targets.clientHint')}
                targets={fields.targets}
                issues={shown('targets')}
                idPrefix="f-target"
                errId="err-targets"
                onChange={(targets) => update({ targets })}
              />
              <Field label={t('form.key')} htmlFor="f-key" errId="err-tunnel-key" hint={derivedKey && fields.key === '' ? t('form.keyDerived', { key: derivedKey }) : t('form.keyHint')}>
                <div className="row-input">
                  <input
                    id="f-key"
                    className="input mono"
                    value={fields.key}
                    spellCheck={false}
                    autoComplete="off"
                    placeholder={t('form.keyPlaceholder')}
                    onChange={(e) => update({ key: e.target.value })}
                  />
                  <button type="button" className="btn small" onClick={() => update({ key: randomKey() })}>
                    <Icon name="key" size={13} />
                    {t('form.generate')}
                  </button>
                </div>
              </Field>
              {shownMain
                .filter((p) => p.name !== 'log')
                .map((p) => (
                  <ParamField key={p.name} spec={p} scheme={fields.scheme} value={fields.params[p.name] ?? ''} issues={paramIssues(p.name)} onChange={(v) => setParam(p.name, v)} />
                ))}
              <ParamField spec={main.find((p) => p.name === 'log')!} scheme={fields.scheme} value={fields.params.log ?? ''} issues={paramIssues('log')} onChange={(v) => setParam('log', v)} />
            </div>
          </section>

          <section className="card">
            <button type="button" className="fold" aria-expanded={advanced} onClick={() => dispatch({ type: 'advanced', open: !advanced })} data-testid="advanced-toggle">
              <Icon name="chevron" size={14} className={advanced ? 'rot' : ''} />
              <span>{t('form.advanced')}</span>
              <span className="muted small">{t('form.advancedHint', { n: adv.length })}</span>
            </button>
            {advanced && (
              <div className="fields">
                {adv.map((p) => (
                  <ParamField key={p.name} spec={p} scheme={fields.scheme} value={fields.params[p.name] ?? ''} issues={paramIssues(p.name)} onChange={(v) => setParam(p.name, v)} />
                ))}
              </div>
            )}
            {others.length > 0 && (
              <div className="others">
                <div className="label">{t('form.others')}</div>
                {others.map((k) => (
                  <div key={k} className="other mono">
                    <span>
                      {k}={fields.params[k]}
                    </span>
                    <span className="muted small">{t('form.othersIgnored', { scheme: fields.scheme })}</span>
                    <button type="button" className="icon-btn" aria-label={t('form.removeParam', { name: k })} onClick={() => setParam(k, '')}>
                      <Icon name="close" size={13} />
                    </button>
                    <Issues list={paramIssues(k)} id={`err-${k}`} />
                  </div>
                ))}
              </div>
            )}
          </section>

          {isServer && !editing && (
            <section className="card">
              <label className="check strong">
                <input type="checkbox" checked={pair} onChange={(e) => dispatch({ type: 'pair', on: e.target.checked })} data-testid="pair-toggle" />
                {t('form.pair.toggle')}
              </label>
              <p className="muted small">{t('form.pair.hint')}</p>
              {pairCheck && (
                <div className="fields">
                  <TargetsField
                    label={t('form.pair.targets')}
                    hint={t('form.pair.targetsHint')}
                    targets={pairTargets}
                    issues={submitted ? pairCheck.byField.targets : undefined}
                    idPrefix="f-pair-target"
                    errId="err-pair-targets"
                    onChange={(targets) => dispatch({ type: 'pairTargets', targets })}
                  />
                  <div className="field wide">
                    <span className="label">{t('form.pair.preview')}</span>
                    <code className="url-box small" data-testid="pair-url">
                      {pairCheck.url}
                    </code>
                  </div>
                </div>
              )}
            </section>
          )}
        </div>

        <aside className="form-side">
          <section className="card sticky">
            <div className="card-head">
              <h2>{t('form.url')}</h2>
              <span className={`pill ${urlValid ? 'pill-running' : 'pill-stopped'}`} data-testid="url-state">
                {urlValid ? t('form.urlValid') : t('form.urlIncomplete')}
              </span>
            </div>
            <textarea
              id="f-url"
              className={`input mono url-input${urlIssues.length ? ' invalid' : ''}`}
              rows={5}
              spellCheck={false}
              value={urlShown}
              aria-label={t('form.url')}
              data-testid="url-input"
              onChange={(e) => dispatch({ type: 'urlText', text: e.target.value })}
              onBlur={() => dispatch({ type: 'urlBlur' })}
            />
            <Issues list={urlIssues} id="err-url" />
            <p className="hint">{t('form.urlHint')}</p>
            {allIssues.length > 0 && (
              <div className="banner error" role="alert" data-testid="form-issues">
                <strong>{t('form.fix', { n: allIssues.length })}</strong>
                <ul>
                  {allIssues.map((i) => (
                    <li key={i.message}>{i.message}</li>
                  ))}
                </ul>
              </div>
            )}
            {serverError && (
              <div className="banner error" role="alert" data-testid="server-error">
                {serverError}
              </div>
            )}
            <div className="form-actions">
              <a className="btn ghost" href="#/">
                {t('common.cancel')}
              </a>
              <button type="submit" className="btn primary" disabled={saving} data-testid="submit">
                {saving ? t('common.saving') : editing ? t('form.save') : pair && isServer ? t('form.createPair') : t('form.create')}
              </button>
            </div>
          </section>
        </aside>
      </form>
    </div>
  );
}
