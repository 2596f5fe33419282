// The input for one URL parameter, chosen by what it takes: a checkbox for a flag, three for
// `block`, a select for a value from a short list (text when a pasted value is not in it), else text.

import type { ParamSpec } from '../../../engine/url/params';
import type { UrlIssue } from '../../../engine/url/model';
import type { Translate } from '../../../shared/i18n';
import { useTranslator } from '../../hooks/i18n';
import { paramHint, paramLabel } from '../../lib/param-text';
import { blockFlags, blockValue, type TunnelScheme } from '../../lib/url-form';
import { Field, Issues } from './Field';

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

export function ParamField(props: {
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
