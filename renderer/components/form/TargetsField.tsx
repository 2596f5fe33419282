// A list of target addresses, one input each, with add and remove.

import type { UrlIssue } from '../../../engine/url/model';
import { useT } from '../../hooks/i18n';
import { Icon } from '../Icon';
import { Issues } from './Field';

export function TargetsField(props: { label: string; hint: string; targets: string[]; issues?: UrlIssue[]; onChange: (t: string[]) => void; idPrefix: string; errId: string }) {
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
