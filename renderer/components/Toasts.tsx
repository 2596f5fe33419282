import { useT } from '../hooks/i18n';
import { useApp, useServices } from '../hooks/services';
import { Icon } from './Icon';

export function Toasts() {
  const t = useT();
  const { store } = useServices();
  const toasts = useApp((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((x) => (
        <div key={x.id} className={`toast ${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
          <span>{typeof x.text === 'function' ? x.text(t) : x.text}</span>
          <button type="button" className="icon-btn" aria-label={t('common.dismiss')} onClick={() => store.dismissToast(x.id)}>
            <Icon name="close" size={13} />
          </button>
        </div>
      ))}
    </div>
  );
}
