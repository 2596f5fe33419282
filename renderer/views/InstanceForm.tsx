// Create / edit an instance by building its NodePass URL field by field. The URL box and the fields
// are two views of one thing: typing in either updates the other, and pasting a URL anywhere in
// the form fills it. Validation is the engine's own URL model, so the messages are the CLI's.

import { useEffect, useState, type ClipboardEvent, type ReactNode } from 'react';
import type { UrlIssue } from '../../engine/url/model';
import type { ParamSpec } from '../../engine/url/params';
import { formatNodePassUrl, parseNodePassUrl } from '../../engine/url/model';
import { splitHostPort } from '../../engine/url/ip';
import { portDerivedKey } from '../../engine/wire/fnv';
import type { Translate } from '../../shared/i18n';
import { useT, useTranslator } from '../hooks/i18n';
import { paramHint, paramLabel } from '../lib/param-text';
import {
  blockFlags,
  blockValue,
  checkFields,
  emptyFields,
  fieldsFromUrl,
  otherParams,
  pairedClient,
  paramsFor,
  type FieldId,
  type FormFields,
  type TunnelScheme,
} from '../lib/url-form';
import { navigate } from '../lib/router';
import { apiOf, applyInstance, displayName, keyOf, labelFor, toast, useApp } from '../store/app';
import { Icon } from '../components/Icon';

const URL_RE = /^\s*(server|client):\/\//i;

function Issues({ list, id }: { list?: UrlIssue[]; id: string }) {
  if (!list || list.length === 0) return null;
  return (
    <div className="field-error" id={id} role="alert" data-testid={`error-${id.replace(/^err-/, '')}`}>
      {list.map((i) => (
        <div key={i.message}>{i.message}</div>
      ))}
    </div>
  );
}

function Field(props: { label: string; hint?: string; htmlFor: string; issues?: UrlIssue[]; errId: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={`field${props.issues?.length ? ' invalid' : ''}${props.wide ? ' wide' : ''}`}>
      <label htmlFor={props.htmlFor}>{props.label}</label>
      {props.children}
      {props.hint && !props.issues?.length && <div className="hint">{props.hint}</div>}
      <Issues list={props.issues} id={props.errId} />
    </div>
  );
}

function optionLabels(t: Translate, spec: ParamSpec, scheme: TunnelScheme): [string, string][] | null {
  switch (spec.name) {
    case 'log':
      return [
        ['', t('form.default', { value: 'info' })],
        ['debug', 'debug'],
        ['info', 'info'],
        ['warn', 'warn'],
        ['error', 'error'],
        ['event', 'event'],
        ['none', 'none'],
      ];
    case 'tls':
      return [
        ['', t('form.tls.default')],
        ['0', t('form.tls.0')],
        ['1', t('form.tls.1')],
        ['2', t('form.tls.2')],
      ];
    case 'mode':
      return [
        ['', t('form.mode.auto')],
        ['0', t('form.mode.auto0')],
        ['1', scheme === 'server' ? t('form.mode.server.1') : t('form.mode.client.1')],
        ['2', scheme === 'server' ? t('form.mode.server.2') : t('form.mode.client.2')],
      ];
    case 'type':
      return [
        ['', t('form.default', { value: 'TCP' })],
        ['0', t('form.type.0')],
        ['1', t('form.type.1')],
        ['2', t('form.type.2')],
        ['3', t('form.type.3')],
      ];
    default:
      return null;
  }
}

const FLAGS = new Set(['proxy', 'notcp', 'noudp']);

function ParamField(props: {
  spec: ParamSpec;
  scheme: TunnelScheme;
  value: string;
  issues?: UrlIssue[];
  onChange: (v: string) => void;
}) {
  const tr = useTranslator();
  const t = tr.t;
  const { spec, scheme, value } = props;
  const id = `f-${spec.name}`;
  const errId = `err-${spec.name}`;
  const hint = paramHint(tr, spec.name);
  const options = optionLabels(t, spec, scheme);
  const def = spec.configDefault?.[scheme];
  // A value outside the options (pasted) is shown as text, so it can be seen and fixed.
  const useSelect = !!options && (value === '' || options.some(([v]) => v === value));
  if (FLAGS.has(spec.name)) {
    return (
      <div className={`field check-field${props.issues?.length ? ' invalid' : ''}`}>
        <label className="check">
          <input id={id} type="checkbox" checked={value === '1'} onChange={(e) => props.onChange(e.target.checked ? '1' : '')} />
          {paramLabel(tr, spec.name)}
        </label>
        <div className="hint">{t(`form.flag.${spec.name as 'proxy' | 'notcp' | 'noudp'}`)}</div>
        <Issues list={props.issues} id={errId} />
      </div>
    );
  }
  if (spec.name === 'block') {
    const flags = blockFlags(value);
    const set = (k: keyof typeof flags, on: boolean) => props.onChange(blockValue({ ...flags, [k]: on }));
    return (
      <div className={`field${props.issues?.length ? ' invalid' : ''}`}>
        <span className="label">{paramLabel(tr, 'block')}</span>
        <div className="checks">
          {(['socks', 'http', 'tls'] as const).map((k) => (
            <label key={k} className="check">
              <input type="checkbox" checked={flags[k]} onChange={(e) => set(k, e.target.checked)} />
              {t(`form.block.${k}`)}
            </label>
          ))}
        </div>
        <Issues list={props.issues} id={errId} />
      </div>
    );
  }
  return (
    <Field label={paramLabel(tr, spec.name)} hint={useSelect ? undefined : hint} htmlFor={id} issues={props.issues} errId={errId}>
      {useSelect ? (
        <select id={id} className="select" value={value} onChange={(e) => props.onChange(e.target.value)} aria-invalid={!!props.issues?.length}>
          {options.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          className="input"
          value={value}
          placeholder={def ?? ''}
          spellCheck={false}
          aria-invalid={!!props.issues?.length}
          aria-describedby={props.issues?.length ? errId : undefined}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

function randomKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function TargetsField(props: { label: string; hint: string; targets: string[]; issues?: UrlIssue[]; onChange: (t: string[]) => void; idPrefix: string; errId: string }) {
  const t = useT();
  const { targets } = props;
  return (
    <div className={`field wide${props.issues?.length ? ' invalid' : ''}`}>
      <label htmlFor={`${props.idPrefix}-0`}>{props.label}</label>
      {targets.map((v, n) => (
        <div className="row-input" key={n}>
          <input
            id={`${props.idPrefix}-${n}`}
            className="input mono"
            value={v}
            placeholder="127.0.0.1:8080"
            spellCheck={false}
            aria-invalid={!!props.issues?.length}
            onChange={(e) => props.onChange(targets.map((x, m) => (m === n ? e.target.value : x)))}
          />
          {targets.length > 1 && (
            <button type="button" className="icon-btn" aria-label={t('form.removeTarget')} title={t('form.removeTarget')} onClick={() => props.onChange(targets.filter((_, m) => m !== n))}>
              <Icon name="close" size={14} />
            </button>
          )}
        </div>
      ))}
      <button type="button" className="btn ghost small add" onClick={() => props.onChange([...targets, ''])}>
        <Icon name="plus" size={13} />
        {t('form.addTarget')}
      </button>
      {!props.issues?.length && <div className="hint">{props.hint}</div>}
      <Issues list={props.issues} id={props.errId} />
    </div>
  );
}

export function InstanceForm({ editKey }: { editKey?: string }) {
  const t = useT();
  const editing = useApp((s) => (editKey ? s.instances[editKey] : undefined));
  const masters = useApp((s) => s.masters);
  const [chosenMaster, setChosenMaster] = useState('');
  const master = editing?.master ?? (chosenMaster && masters[chosenMaster] ? chosenMaster : (Object.keys(masters)[0] ?? 'local'));
  const [fields, setFields] = useState<FormFields>(() => emptyFields('server'));
  const [alias, setAlias] = useState('');
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [urlText, setUrlText] = useState<string | null>(null);
  const [urlIssues, setUrlIssues] = useState<UrlIssue[]>([]);
  const [touched, setTouched] = useState<Partial<Record<FieldId, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [advanced, setAdvanced] = useState(false);
  const [pair, setPair] = useState(false);
  const [pairTargets, setPairTargets] = useState<string[]>(['']);
  const [pairTouched, setPairTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState('');

  // The record may arrive after the form (a reload on the edit page): fill the form once it does.
  useEffect(() => {
    if (!editing || loadedFor === editing.key) return;
    const r = fieldsFromUrl(editing.url);
    if (r.ok) setFields(r.fields);
    setAlias(editing.alias);
    setLoadedFor(editing.key);
  }, [editing, loadedFor]);

  const check = checkFields(fields);
  const pairFields = pair && fields.scheme === 'server' ? pairedClient(fields, pairTargets) : null;
  const pairCheck = pairFields ? checkFields(pairFields) : null;
  const show = (f: FieldId) => (submitted || touched[f] ? check.byField[f] : undefined);
  // Parameter errors are about a value the user chose, so they show at once.
  const paramIssues = (name: string) => check.byField[`param:${name}`];
  const { main, advanced: adv } = paramsFor(fields.scheme);
  const others = otherParams(fields);

  const update = (patch: Partial<FormFields>, field?: FieldId) => {
    setFields((f) => ({ ...f, ...patch }));
    setUrlText(null);
    setUrlIssues([]);
    if (field) setTouched((x) => ({ ...x, [field]: true }));
  };
  const setParam = (name: string, value: string) => update({ params: { ...fields.params, [name]: value } }, `param:${name}`);

  const fillFromUrl = (text: string): boolean => {
    const r = fieldsFromUrl(text);
    if (!r.ok) {
      setUrlIssues(r.issues);
      return false;
    }
    setFields(r.fields);
    setUrlIssues([]);
    setTouched({ tunnel: true, targets: true, key: true });
    if (r.fields.params && Object.keys(r.fields.params).some((k) => adv.some((p) => p.name === k))) setAdvanced(true);
    return true;
  };

  const onPaste = (e: ClipboardEvent<HTMLFormElement>) => {
    const text = e.clipboardData.getData('text');
    const target = e.target as HTMLElement;
    if (target.id === 'f-url' || !URL_RE.test(text)) return;
    e.preventDefault();
    setUrlText(text.trim());
    fillFromUrl(text.trim());
  };

  const tunnelHp = splitHostPort(fields.tunnel.trim());
  const derivedKey = tunnelHp && /^\d+$/.test(tunnelHp.port) ? portDerivedKey(tunnelHp.port) : '';

  const submit = async () => {
    setSubmitted(true);
    setPairTouched(true);
    setServerError('');
    if (!check.valid || (pairCheck && !pairCheck.valid)) return;
    setSaving(true);
    try {
      const api = apiOf(master);
      if (editing) {
        const current = parseNodePassUrl(editing.url);
        const same = current.ok && formatNodePassUrl(current.value) === check.url;
        if (!same) {
          const r = await api.replaceInstance(editing.id, { url: check.url });
          if (!r.ok && r.status !== 409) {
            setServerError(r.error);
            return;
          }
          if (r.ok) applyInstance(master, r.value);
        }
        if (alias.trim() !== '' && alias.trim() !== editing.alias) {
          const r = await api.updateInstance(editing.id, { alias: alias.trim() });
          if (!r.ok) {
            setServerError(r.error);
            return;
          }
          applyInstance(master, r.value);
        }
        navigate({ name: 'detail', key: editing.key, tab: 'overview' });
        return;
      }
      const name = alias.trim();
      const created = await api.createInstance({ url: check.url, ...(name ? { alias: name } : {}) });
      if (!created.ok) {
        setServerError(created.error);
        return;
      }
      applyInstance(master, created.value);
      if (pairFields && pairCheck) {
        const clientAlias = name ? t('form.pair.clientAlias', { name }) : '';
        const client = await api.createInstance({ url: pairCheck.url, ...(clientAlias ? { alias: clientAlias } : {}) });
        if (!client.ok) {
          setServerError(t('form.pair.clientFailed', { error: client.error }));
          return;
        }
        applyInstance(master, client.value);
        // Link the two ends (NodePass's meta.peer), so each shows the other.
        const s = created.value;
        const c = client.value;
        await Promise.all([
          api.updateInstance(s.id, { meta: { peer: { sid: c.id, type: 'client', alias: displayName(c) } } }),
          api.updateInstance(c.id, { meta: { peer: { sid: s.id, type: 'server', alias: displayName(s) } } }),
        ]);
        toast('info', (t) => t('form.pair.created'));
        navigate({ name: 'list' });
        return;
      }
      navigate({ name: 'detail', key: keyOf(master, created.value.id), tab: 'overview' });
    } finally {
      setSaving(false);
    }
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
  const shownMain = main.filter((p) => (p.name === 'crt' || p.name === 'key' ? fields.params.tls === '2' || !!fields.params[p.name] : true));
  const urlShown = urlText ?? check.url;
  const allIssues = submitted ? [...check.issues, ...(pairCheck?.issues ?? [])] : [];

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
                <select id="f-master" className="select" value={master} onChange={(e) => setChosenMaster(e.target.value)} data-testid="form-master">
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
                <input id="f-alias" className="input" value={alias} maxLength={256} onChange={(e) => setAlias(e.target.value)} placeholder={t('form.aliasPlaceholder')} />
              </Field>
              <Field
                label={isServer ? t('form.tunnel.server') : t('form.tunnel.client')}
                hint={isServer ? t('form.tunnel.serverHint') : t('form.tunnel.clientHint')}
                htmlFor="f-tunnel"
                issues={show('tunnel')}
                errId="err-tunnel"
              >
                <input
                  id="f-tunnel"
                  className="input mono"
                  value={fields.tunnel}
                  spellCheck={false}
                  placeholder={isServer ? '0.0.0.0:10101' : 'server.example.com:10101'}
                  aria-invalid={!!show('tunnel')}
                  onChange={(e) => update({ tunnel: e.target.value })}
                  onBlur={() => setTouched((x) => ({ ...x, tunnel: true }))}
                />
              </Field>
              <TargetsField
                label={isServer ? t('form.targets.server') : t('form.targets.client')}
                hint={isServer ? t('form.targets.serverHint') : t('form.targets.clientHint')}
                targets={fields.targets}
                issues={show('targets')}
                idPrefix="f-target"
                errId="err-targets"
                onChange={(targets) => {
                  update({ targets });
                }}
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
            <button type="button" className="fold" aria-expanded={advanced} onClick={() => setAdvanced(!advanced)} data-testid="advanced-toggle">
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
                <input type="checkbox" checked={pair} onChange={(e) => setPair(e.target.checked)} data-testid="pair-toggle" />
                {t('form.pair.toggle')}
              </label>
              <p className="muted small">{t('form.pair.hint')}</p>
              {pair && pairFields && (
                <div className="fields">
                  <TargetsField
                    label={t('form.pair.targets')}
                    hint={t('form.pair.targetsHint')}
                    targets={pairTargets}
                    issues={pairTouched ? pairCheck?.byField.targets : undefined}
                    idPrefix="f-pair-target"
                    errId="err-pair-targets"
                    onChange={setPairTargets}
                  />
                  <div className="field wide">
                    <span className="label">{t('form.pair.preview')}</span>
                    <code className="url-box small" data-testid="pair-url">
                      {pairCheck?.url}
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
              <span className={`pill ${check.valid && urlIssues.length === 0 ? 'pill-running' : 'pill-stopped'}`} data-testid="url-state">
                {check.valid && urlIssues.length === 0 ? t('form.urlValid') : t('form.urlIncomplete')}
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
              onChange={(e) => {
                setUrlText(e.target.value);
                fillFromUrl(e.target.value);
              }}
              onBlur={() => {
                if (urlIssues.length === 0) setUrlText(null);
              }}
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
