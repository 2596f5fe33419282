// Small shared pieces: status dot, badges, confirm-on-second-click button, copy button.

import { useEffect, useState, type ReactNode } from 'react';
import type { Instance } from '../../engine/api/types';
import type { Translate } from '../../shared/i18n';
import { useT } from '../hooks/i18n';
import { Icon, type IconName } from './Icon';

export function StatusDot({ status }: { status: Instance['status'] }) {
  return <span className={`dot dot-${status || 'none'}`} aria-hidden="true" />;
}

export function StatusPill({ status }: { status: Instance['status'] }) {
  const t = useT();
  const label = status === 'running' ? t('status.running') : status === 'error' ? t('status.error') : t('status.stopped');
  return (
    <span className={`pill pill-${status || 'stopped'}`} data-status={status}>
      <StatusDot status={status} />
      {label}
    </span>
  );
}

export function TypeBadge({ type }: { type: Instance['type'] }) {
  const t = useT();
  return <span className={`badge badge-${type}`}>{type === 'server' ? t('type.server') : t('type.client')}</span>;
}

/** The run mode a CHECK_POINT reported, in words (0 = not known yet). */
export function modeText(t: Translate, type: Instance['type'], mode: number): string {
  if (mode === 1) return type === 'server' ? t('mode.server.1') : t('mode.client.1');
  if (mode === 2) return type === 'server' ? t('mode.server.2') : t('mode.client.2');
  return '—';
}

export function IconButton(props: {
  icon: IconName;
  label: string;
  onClick: () => void;
  disabled?: boolean;
  tone?: 'danger' | 'primary';
  busy?: boolean;
  testId?: string;
}) {
  return (
    <button
      type="button"
      className={`icon-btn${props.tone ? ` ${props.tone}` : ''}${props.busy ? ' busy' : ''}`}
      title={props.label}
      aria-label={props.label}
      disabled={props.disabled || props.busy}
      data-testid={props.testId}
      onClick={(e) => {
        e.stopPropagation();
        props.onClick();
      }}
    >
      <Icon name={props.icon} />
    </button>
  );
}

/** A destructive action that asks by changing into "Confirm?" for a few seconds. */
export function ConfirmButton(props: { icon: IconName; label: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean; testId?: string; wide?: boolean }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), 3000);
    return () => clearTimeout(timer);
  }, [armed]);
  if (armed) {
    return (
      <button
        type="button"
        className="btn danger small"
        data-testid={props.testId ? `${props.testId}-confirm` : undefined}
        onClick={(e) => {
          e.stopPropagation();
          setArmed(false);
          props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </button>
    );
  }
  if (props.wide) {
    return (
      <button
        type="button"
        className="btn small"
        disabled={props.disabled}
        data-testid={props.testId}
        onClick={(e) => {
          e.stopPropagation();
          setArmed(true);
        }}
      >
        <Icon name={props.icon} />
        {props.label}
      </button>
    );
  }
  return <IconButton icon={props.icon} label={props.label} tone="danger" disabled={props.disabled} onClick={() => setArmed(true)} testId={props.testId} />;
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const t = useT();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn ghost small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        });
      }}
    >
      <Icon name="copy" size={14} />
      {done ? t('common.copied') : (label ?? t('common.copy'))}
    </button>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{title}</div>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/** A modal panel over the page; Escape or the backdrop closes it. */
export function Modal({ title, onClose, children, testId, wide }: { title: string; onClose: () => void; children: ReactNode; testId?: string; wide?: boolean }) {
  const t = useT();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className={`modal card${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId} onClick={(e) => e.stopPropagation()}>
        <div className="card-head">
          <h2>{title}</h2>
          <div className="spacer" />
          <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={onClose}>
            <Icon name="close" size={14} />
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** The master an instance lives on, shown when there is more than one master. */
export function MasterBadge({ label }: { label: string }) {
  return (
    <span className="badge badge-master" data-testid="master-badge">
      <Icon name="server" size={11} />
      {label}
    </span>
  );
}

export function TagChips({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags);
  if (entries.length === 0) return null;
  return (
    <span className="tags">
      {entries.map(([k, v]) => (
        <span key={k} className="tag" data-testid="tag">
          {v ? `${k}: ${v}` : k}
        </span>
      ))}
    </span>
  );
}
