// What can be done to one instance, as icon buttons (a list row) or labelled buttons (the detail
// page): start or stop, restart, reset the counters, edit, mute notifications, delete.

import type { ReactNode } from 'react';
import { useT } from '../hooks/i18n';
import { navigate } from '../hooks/route';
import { usePrefs, usePrefsStore, useServices } from '../hooks/services';
import { hrefOf } from '../lib/routes';
import type { Action, DescribeFailure } from '../store/instance-actions';
import { ConfirmButton, IconButton } from './common';
import { Icon, type IconName } from './Icon';

/** The toast for a failed action, in the language current when it shows. */
export const describeFailure: DescribeFailure = (t, action, error) => t('action.failed', { action: t(`action.${action}`), error });

export function InstanceActions({ k, status, busy, name, labelled, children }: { k: string; status: string; busy?: string; name: string; labelled?: boolean; children?: ReactNode }) {
  const t = useT();
  const { store } = useServices();
  const run = (a: Action) => void store.act(k, a, describeFailure);
  if (labelled) {
    // The detail page has room for words.
    const Btn = ({ a, icon, primary }: { a: 'start' | 'stop' | 'restart' | 'reset'; icon: IconName; primary?: boolean }) => (
      <button type="button" className={`btn small${primary ? ' primary' : ''}`} disabled={!!busy} onClick={() => run(a)} data-testid={`action-${a}`}>
        <Icon name={icon} size={14} />
        {t(`action.${a}`)}
      </button>
    );
    return (
      <div className="actions labelled">
        {status === 'stopped' ? <Btn a="start" icon="play" primary /> : <Btn a="stop" icon="stop" />}
        <Btn a="restart" icon="restart" />
        <Btn a="reset" icon="reset" />
        <a className="btn small" href={hrefOf({ name: 'edit', key: k })} data-testid="action-edit">
          <Icon name="edit" size={14} />
          {t('action.edit')}
        </a>
        {children}
        <ConfirmButton icon="trash" label={t('action.delete')} confirmLabel={t('action.confirmDelete')} onConfirm={() => run('delete')} disabled={!!busy} testId="action-delete" wide />
      </div>
    );
  }
  return (
    <div className="actions">
      {status === 'stopped' ? (
        <IconButton icon="play" tone="primary" label={t('action.startNamed', { name })} onClick={() => run('start')} busy={busy === 'start'} testId="action-start" />
      ) : (
        <IconButton icon="stop" label={t('action.stopNamed', { name })} onClick={() => run('stop')} busy={busy === 'stop'} testId="action-stop" />
      )}
      <IconButton icon="restart" label={t('action.restart')} onClick={() => run('restart')} busy={busy === 'restart'} testId="action-restart" />
      <IconButton icon="reset" label={t('action.reset')} onClick={() => run('reset')} busy={busy === 'reset'} testId="action-reset" />
      <IconButton icon="edit" label={t('action.edit')} onClick={() => navigate({ name: 'edit', key: k })} testId="action-edit" />
      <MuteButton k={k} />
      <ConfirmButton icon="trash" label={t('action.delete')} confirmLabel={t('action.confirmDelete')} onConfirm={() => run('delete')} disabled={!!busy} testId="action-delete" />
    </div>
  );
}

export function MuteButton({ k, labelled }: { k: string; labelled?: boolean }) {
  const t = useT();
  const prefs = usePrefsStore();
  const muted = usePrefs((s) => !!s.muted[k]);
  const label = muted ? t('notify.unmute') : t('notify.mute');
  if (labelled) {
    return (
      <button type="button" className={`btn small ghost${muted ? ' on' : ''}`} onClick={() => prefs.toggleMuted(k)} aria-pressed={muted} data-testid="action-mute">
        <Icon name={muted ? 'mute' : 'bell'} size={14} />
        {label}
      </button>
    );
  }
  return <IconButton icon={muted ? 'mute' : 'bell'} label={label} onClick={() => prefs.toggleMuted(k)} testId="action-mute" />;
}
