// The create/edit form's model: form fields ⇄ NodePass URL text, validated by the engine's own URL
// model so the form shows the very messages the CLI and the master give. Pure, so it is tested
// without a DOM.

import {
  formatNodePassUrl,
  parseNodePassUrl,
  validateParams,
  type NodePassUrl,
  type UrlIssue,
} from '../../engine/url/model';
import { PARAMS, type ParamSpec } from '../../engine/url/params';
import { isUnspecifiedIP, joinHostPort, splitHostPort } from '../../engine/url/ip';

export type TunnelScheme = 'server' | 'client';

export interface FormFields {
  scheme: TunnelScheme;
  /** The tunnel key (URL user part); '' derives it from the port. */
  key: string;
  /** `host:port` as typed. */
  tunnel: string;
  /** Target entries as typed; blank rows are dropped when the URL is assembled. */
  targets: string[];
  /** Query parameters by name; '' means absent. Unknown names are kept as they came. */
  params: Record<string, string>;
}

/** Where an issue is shown: a URL part or one parameter's field. */
export type FieldId = 'url' | 'key' | 'tunnel' | 'targets' | `param:${string}`;

export interface FormCheck {
  /** The URL as the engine would print it when valid; the assembled text otherwise. */
  url: string;
  valid: boolean;
  issues: UrlIssue[];
  byField: Partial<Record<FieldId, UrlIssue[]>>;
}

export function emptyFields(scheme: TunnelScheme): FormFields {
  return { scheme, key: '', tunnel: '', targets: [''], params: {} };
}

/** Parameters that have an effect for this scheme, split the way the form shows them. */
export function paramsFor(scheme: TunnelScheme): { main: ParamSpec[]; advanced: ParamSpec[] } {
  const used = PARAMS.filter((p) => p.usedBy.includes(scheme));
  return { main: used.filter((p) => !p.advanced), advanced: used.filter((p) => p.advanced) };
}

/** Parameters present in the fields that this scheme does not use (kept, shown as "other"). */
export function otherParams(f: FormFields): string[] {
  const used = new Set(PARAMS.filter((p) => p.usedBy.includes(f.scheme)).map((p) => p.name));
  return Object.keys(f.params).filter((k) => f.params[k] !== '' && !used.has(k));
}

function presentParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== '') out[k] = v;
  return out;
}

function encodeQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`)
    .join('&');
}

/** The URL text exactly as the fields say, even when the fields are not valid yet. */
export function assembleUrl(f: FormFields): string {
  const key = f.key !== '' ? encodeURIComponent(f.key) + '@' : '';
  const targets = f.targets.map((t) => t.trim()).filter((t) => t !== '');
  const q = encodeQuery(presentParams(f.params));
  return `${f.scheme}://${key}${f.tunnel.trim()}/${targets.join(',')}${q ? '?' + q : ''}`;
}

function fieldOfIssue(issue: UrlIssue): FieldId {
  switch (issue.param) {
    case 'tunnel address':
      return 'tunnel';
    case 'target address':
      return 'targets';
    case 'url':
    case 'scheme':
    case 'query':
      return 'url';
    default:
      return `param:${issue.param}`;
  }
}

// Characters that would change the URL's structure if typed into the address fields.
const STRUCTURAL = /[/?#@\s]/;

export function checkFields(f: FormFields): FormCheck {
  const text = assembleUrl(f);
  const issues: UrlIssue[] = [];
  const tunnel = f.tunnel.trim();
  if (STRUCTURAL.test(tunnel)) {
    issues.push({ param: 'tunnel address', value: tunnel, expected: 'host:port', message: `tunnel address "${tunnel}": expected host:port` });
  }
  for (const t of f.targets.map((x) => x.trim())) {
    if (t !== '' && (STRUCTURAL.test(t) || t.includes(','))) {
      issues.push({ param: 'target address', value: t, expected: 'host:port', message: `target address "${t}": expected host:port` });
    }
  }
  let model: NodePassUrl | null = null;
  if (issues.length === 0) {
    const parsed = parseNodePassUrl(text);
    if (parsed.ok) model = parsed.value;
    else issues.push(...parsed.errors);
  }
  // Parameter checks need only the scheme and the query, so they run even when the address parts
  // are still wrong: the user sees every problem at once.
  const params = presentParams(f.params);
  const paramIssues = validateParams(
    model ?? { scheme: f.scheme, key: f.key, host: '', port: '', targets: [], path: '', params },
  );
  issues.push(...paramIssues);
  const byField: FormCheck['byField'] = {};
  for (const i of issues) (byField[fieldOfIssue(i)] ??= []).push(i);
  const valid = issues.length === 0 && model !== null;
  return { url: valid ? formatNodePassUrl(model!) : text, valid, issues, byField };
}

export type UrlToFields = { ok: true; fields: FormFields } | { ok: false; issues: UrlIssue[] };

/** Fills the form from a pasted or typed URL. Structural errors keep the form as it was. */
export function fieldsFromUrl(text: string): UrlToFields {
  const parsed = parseNodePassUrl(text);
  if (!parsed.ok) return { ok: false, issues: parsed.errors };
  const u = parsed.value;
  if (u.scheme === 'master') {
    return {
      ok: false,
      issues: [{ param: 'scheme', value: 'master', expected: 'server or client', message: 'scheme "master": expected server or client' }],
    };
  }
  return {
    ok: true,
    fields: {
      scheme: u.scheme,
      key: u.key,
      tunnel: u.host === '' && u.port === '' ? '' : joinHostPort(u.host, u.port),
      targets: u.targets.length > 0 ? [...u.targets] : [''],
      params: { ...u.params },
    },
  };
}

/**
 * The client that pairs with a server managed on the same machine: same key and port, dialling
 * the server's address (loopback when the server listens on all interfaces), in dual-end mode so
 * it never mistakes the server's port for its own single-end listener.
 */
export function pairedClient(server: FormFields, clientTargets: string[]): FormFields {
  const hp = splitHostPort(server.tunnel.trim());
  let host = hp?.host ?? '';
  if (host === '' || isUnspecifiedIP(host)) host = host.includes(':') ? '::1' : '127.0.0.1';
  const params: Record<string, string> = { mode: '2' };
  if (server.params.log) params.log = server.params.log;
  return {
    scheme: 'client',
    key: server.key,
    tunnel: hp ? joinHostPort(host, hp.port) : '',
    targets: clientTargets.length > 0 ? clientTargets : [''],
    params,
  };
}

/** Block digits ⇄ flags, for the three checkboxes. */
export function blockFlags(value: string): { socks: boolean; http: boolean; tls: boolean } {
  return { socks: value.includes('1'), http: value.includes('2'), tls: value.includes('3') };
}

export function blockValue(flags: { socks: boolean; http: boolean; tls: boolean }): string {
  return `${flags.socks ? '1' : ''}${flags.http ? '2' : ''}${flags.tls ? '3' : ''}`;
}
