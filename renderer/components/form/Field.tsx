// A labelled form field with its hint, or the issues that make it invalid (ids tie the message to
// the input for assistive tools).

import type { ReactNode } from 'react';
import type { UrlIssue } from '../../../engine/url/model';

export function Issues({ list, id }: { list?: UrlIssue[]; id: string }) {
  if (!list || list.length === 0) return null;
  return (
    <div className="field-error" id={id} role="alert" data-testid={`error-${id.replace(/^err-/, '')}`}>
      {list.map((i) => (
        <div key={i.message}>{i.message}</div>
      ))}
    </div>
  );
}

export function Field(props: { label: string; hint?: string; htmlFor: string; issues?: UrlIssue[]; errId: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={`field${props.issues?.length ? ' invalid' : ''}${props.wide ? ' wide' : ''}`}>
      <label htmlFor={props.htmlFor}>{props.label}</label>
      {props.children}
      {props.hint && !props.issues?.length && <div className="hint">{props.hint}</div>}
      <Issues list={props.issues} id={props.errId} />
    </div>
  );
}
