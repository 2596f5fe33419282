// The create/edit form's state as a reducer, pure: the fields (two views of one URL: the field
// inputs and the URL box), what the user has touched, the paired client, and the submit state.
// formView() derives what the form shows from it. The form component only dispatches.

import type { UrlIssue } from '../../engine/url/model';
import { splitHostPort } from '../../engine/url/ip';
import { portDerivedKey } from '../../engine/wire/fnv';
import { checkFields, emptyFields, fieldsFromUrl, pairedClient, paramsFor, type FieldId, type FormCheck, type FormFields } from './url-form';

export interface InstanceFormState {
  fields: FormFields;
  alias: string;
  /** The master chosen for a new instance ('' = the first one). */
  master: string;
  /** The instance key the fields were loaded from (an edit whose record may arrive late). */
  loadedFor: string | null;
  /** The URL box's own text while it is being typed (null: it shows the fields' URL). */
  urlText: string | null;
  urlIssues: UrlIssue[];
  touched: Partial<Record<FieldId, boolean>>;
  submitted: boolean;
  advanced: boolean;
  /** Create the matching client too (a new server only). */
  pair: boolean;
  pairTargets: string[];
  saving: boolean;
  serverError: string;
}

export type InstanceFormAction =
  | { type: 'load'; key: string; url: string; alias: string }
  | { type: 'fields'; patch: Partial<FormFields>; touch?: FieldId }
  | { type: 'param'; name: string; value: string }
  | { type: 'touch'; field: FieldId }
  /** Text typed into the URL box (kept as typed; fills the fields when it parses). */
  | { type: 'urlText'; text: string }
  | { type: 'urlBlur' }
  | { type: 'alias'; alias: string }
  | { type: 'master'; master: string }
  | { type: 'advanced'; open: boolean }
  | { type: 'pair'; on: boolean }
  | { type: 'pairTargets'; targets: string[] }
  | { type: 'submit' }
  | { type: 'saving'; saving: boolean }
  | { type: 'failed'; error: string };

/** Text that looks like an instance URL (pasted anywhere in the form, it fills the form). */
export const INSTANCE_URL = /^\s*(server|client):\/\//i;

export function initialFormState(): InstanceFormState {
  return {
    fields: emptyFields('server'),
    alias: '',
    master: '',
    loadedFor: null,
    urlText: null,
    urlIssues: [],
    touched: {},
    submitted: false,
    advanced: false,
    pair: false,
    pairTargets: [''],
    saving: false,
    serverError: '',
  };
}

/** The form after a URL was typed or pasted: its fields when it parses, its issues otherwise. */
function fillFromUrl(s: InstanceFormState, text: string): InstanceFormState {
  const r = fieldsFromUrl(text);
  if (!r.ok) return { ...s, urlText: text, urlIssues: r.issues };
  const advanced = paramsFor(r.fields.scheme).advanced;
  const showAdvanced = s.advanced || Object.keys(r.fields.params).some((k) => advanced.some((p) => p.name === k));
  return { ...s, urlText: text, fields: r.fields, urlIssues: [], touched: { tunnel: true, targets: true, key: true }, advanced: showAdvanced };
}

export function instanceFormReducer(s: InstanceFormState, a: InstanceFormAction): InstanceFormState {
  switch (a.type) {
    case 'load': {
      const r = fieldsFromUrl(a.url);
      return { ...s, fields: r.ok ? r.fields : s.fields, alias: a.alias, loadedFor: a.key };
    }
    case 'fields':
      return { ...s, fields: { ...s.fields, ...a.patch }, urlText: null, urlIssues: [], touched: a.touch ? { ...s.touched, [a.touch]: true } : s.touched };
    case 'param':
      return instanceFormReducer(s, { type: 'fields', patch: { params: { ...s.fields.params, [a.name]: a.value } }, touch: `param:${a.name}` });
    case 'touch':
      return { ...s, touched: { ...s.touched, [a.field]: true } };
    case 'urlText':
      return fillFromUrl(s, a.text);
    case 'urlBlur':
      return s.urlIssues.length === 0 ? { ...s, urlText: null } : s;
    case 'alias':
      return { ...s, alias: a.alias };
    case 'master':
      return { ...s, master: a.master };
    case 'advanced':
      return { ...s, advanced: a.open };
    case 'pair':
      return { ...s, pair: a.on };
    case 'pairTargets':
      return { ...s, pairTargets: a.targets };
    case 'submit':
      return { ...s, submitted: true, serverError: '' };
    case 'saving':
      return { ...s, saving: a.saving };
    case 'failed':
      return { ...s, saving: false, serverError: a.error };
  }
}

export interface FormView {
  check: FormCheck;
  /** The paired client's fields and check, when one is to be created. */
  pairCheck: FormCheck | null;
  /** Issues to show at a URL part: once touched, or after a submit. */
  shown(f: FieldId): UrlIssue[] | undefined;
  /** Parameter issues are about a value the user chose, so they show at once. */
  paramIssues(name: string): UrlIssue[] | undefined;
  /** The key a client and server derive from the tunnel port when none is given ('' = none yet). */
  derivedKey: string;
  /** What the URL box shows. */
  urlShown: string;
  urlValid: boolean;
  /** Every issue, for the banner after a submit. */
  allIssues: UrlIssue[];
  /** Ready to send: fields (and the paired client's) valid. */
  valid: boolean;
}

export function formView(s: InstanceFormState): FormView {
  const check = checkFields(s.fields);
  const pairCheck = s.pair && s.fields.scheme === 'server' ? checkFields(pairedClient(s.fields, s.pairTargets)) : null;
  const hp = splitHostPort(s.fields.tunnel.trim());
  return {
    check,
    pairCheck,
    shown: (f) => (s.submitted || s.touched[f] ? check.byField[f] : undefined),
    paramIssues: (name) => check.byField[`param:${name}`],
    derivedKey: hp && /^\d+$/.test(hp.port) ? portDerivedKey(hp.port) : '',
    urlShown: s.urlText ?? check.url,
    urlValid: check.valid && s.urlIssues.length === 0,
    allIssues: s.submitted ? [...check.issues, ...(pairCheck?.issues ?? [])] : [],
    valid: check.valid && (!pairCheck || pairCheck.valid),
  };
}
