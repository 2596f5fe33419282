// The form model against the engine's URL model: same messages, every §2.4 parameter round-trips
// through fields ⇄ URL, and the paired client is the one a user would write by hand.

import { describe, expect, it } from 'vitest';
import { formatNodePassUrl, parseNodePassUrl, parseTunnelUrl } from '../../../engine/url/model';
import { PARAMS } from '../../../engine/url/params';
import {
  assembleUrl,
  blockFlags,
  blockValue,
  checkFields,
  emptyFields,
  fieldsFromUrl,
  otherParams,
  pairedClient,
  paramsFor,
  type FormFields,
} from '../../../renderer/lib/url-form';

const server = (patch: Partial<FormFields> = {}): FormFields => ({
  ...emptyFields('server'),
  tunnel: '0.0.0.0:10101',
  targets: ['127.0.0.1:8080'],
  ...patch,
});

// A valid example value for every parameter the engine knows.
const SAMPLE: Record<string, string> = {
  log: 'debug',
  tls: '2',
  crt: '/etc/np/cert.pem',
  key: '/etc/np/key.pem',
  dns: '30s',
  sni: 'example.com',
  min: '16',
  max: '512',
  mode: '2',
  type: '3',
  dial: '10.0.0.2',
  read: '1m',
  rate: '100',
  slot: '1000',
  proxy: '1',
  block: '13',
  notcp: '1',
  noudp: '0',
};

describe('checkFields', () => {
  it('gives the canonical URL of valid fields, exactly as the engine formats it', () => {
    const c = checkFields(server({ key: 'my key/1', params: { mode: '1', tls: '1', max: '' } }));
    expect(c.valid).toBe(true);
    expect(c.issues).toEqual([]);
    const parsed = parseNodePassUrl(c.url);
    expect(parsed.ok && formatNodePassUrl(parsed.value)).toBe(c.url);
    expect(c.url).toBe('server://my%20key%2F1@0.0.0.0:10101/127.0.0.1:8080?mode=1&tls=1');
    expect(parseTunnelUrl(c.url).ok).toBe(true);
  });

  it('reports an invalid parameter with the engine message, under that parameter', () => {
    const c = checkFields(server({ params: { tls: '3' } }));
    expect(c.valid).toBe(false);
    expect(c.byField['param:tls']?.map((i) => i.message)).toEqual(['tls=3: expected 0, 1 or 2']);
    const engine = parseTunnelUrl(c.url);
    expect(engine.ok).toBe(false);
    expect(!engine.ok && engine.errors.map((e) => e.message)).toEqual(['tls=3: expected 0, 1 or 2']);
  });

  it('shows address and parameter problems at the same time', () => {
    const c = checkFields(server({ tunnel: 'localhost', params: { rate: 'fast', read: '5 minutes' } }));
    expect(c.byField.tunnel?.[0].message).toBe('tunnel address "localhost": expected host:port');
    expect(c.byField['param:rate']?.[0].message).toBe('rate=fast: expected a non-negative integer in Mbit/s (0 for unlimited)');
    expect(c.byField['param:read']?.[0].message).toBe('read=5 minutes: expected a duration such as 30s or 5m (0 for no timeout)');
  });

  it('catches characters that would restructure the URL instead of passing them through', () => {
    const c = checkFields(server({ tunnel: 'a:1/b:2' }));
    expect(c.byField.tunnel?.[0].message).toBe('tunnel address "a:1/b:2": expected host:port');
    const t = checkFields(server({ targets: ['127.0.0.1:1?x=1'] }));
    expect(t.byField.targets?.[0].message).toBe('target address "127.0.0.1:1?x=1": expected host:port');
  });

  it('needs at least one target, and names a bad one', () => {
    expect(checkFields(server({ targets: ['', ' '] })).byField.targets?.[0].message).toMatch(/^target address "": expected at least one host:port/);
    expect(checkFields(server({ targets: ['127.0.0.1:70000'] })).byField.targets?.[0].message).toBe(
      'target address "127.0.0.1:70000": expected a port number 1-65535 after the host',
    );
  });

  it('applies the cross-parameter rules (tls=2 needs files; notcp+noudp)', () => {
    const c = checkFields(server({ params: { tls: '2', notcp: '1', noudp: '1' } }));
    expect(c.byField['param:crt']?.[0].message).toBe('crt: required when tls=2 (a PEM certificate file path)');
    expect(c.byField['param:key']?.[0].message).toBe('key: required when tls=2 (a PEM private key file path)');
    expect(c.byField['param:noudp']?.[0].message).toMatch(/nothing would be forwarded/);
  });

  it('drops blank target rows and empty parameters', () => {
    expect(assembleUrl(server({ targets: ['', '10.0.0.1:22', ''], params: { min: '', log: 'warn' } }))).toBe(
      'server://0.0.0.0:10101/10.0.0.1:22?log=warn',
    );
  });
});

describe('fieldsFromUrl', () => {
  it('fills the form from a pasted URL and formats back to the same URL', () => {
    const text = 'client://secret@server.example.com:10101/127.0.0.1:22,127.0.0.1:23?min=8&mode=2&sni=example.com';
    const r = fieldsFromUrl(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fields).toEqual({
      scheme: 'client',
      key: 'secret',
      tunnel: 'server.example.com:10101',
      targets: ['127.0.0.1:22', '127.0.0.1:23'],
      params: { min: '8', mode: '2', sni: 'example.com' },
    });
    expect(checkFields(r.fields).url).toBe(text);
  });

  it('round-trips every parameter of the table for both schemes', () => {
    for (const scheme of ['server', 'client'] as const) {
      const params: Record<string, string> = {};
      for (const p of PARAMS) params[p.name] = SAMPLE[p.name];
      const fields = { ...emptyFields(scheme), tunnel: '[::1]:10101', targets: ['[2001:db8::1]:443'], params };
      const c = checkFields(fields);
      expect(c.issues, scheme).toEqual([]);
      const back = fieldsFromUrl(c.url);
      expect(back.ok && back.fields).toEqual(fields);
    }
    // The sample table covers the whole parameter table.
    expect(Object.keys(SAMPLE).sort()).toEqual(PARAMS.map((p) => p.name).sort());
  });

  it('refuses master URLs and structural garbage with the engine message', () => {
    const m = fieldsFromUrl('master://:9090/api');
    expect(!m.ok && m.issues[0].message).toBe('scheme "master": expected server or client');
    const g = fieldsFromUrl('not a url');
    expect(!g.ok && g.issues[0].param).toBe('url');
  });
});

describe('form sections', () => {
  it('shows each scheme the parameters that affect it, advanced ones folded', () => {
    const s = paramsFor('server');
    const c = paramsFor('client');
    expect(s.main.map((p) => p.name)).toEqual(['log', 'tls', 'crt', 'key', 'max', 'mode', 'type']);
    expect(c.main.map((p) => p.name)).toEqual(['log', 'min', 'mode']);
    expect(s.advanced.map((p) => p.name)).toContain('dns');
    expect(c.advanced.map((p) => p.name)).toContain('sni');
    // Every parameter appears for at least one scheme.
    const shown = new Set([...s.main, ...s.advanced, ...c.main, ...c.advanced].map((p) => p.name));
    expect([...shown].sort()).toEqual(PARAMS.map((p) => p.name).sort());
  });

  it('keeps parameters the scheme ignores and lists them as other', () => {
    const f = fieldsFromUrl('client://h:1/127.0.0.1:2?tls=1&max=9&foo=bar');
    expect(f.ok && otherParams(f.fields)).toEqual(['tls', 'max', 'foo']);
  });

  it('maps block digits to checkboxes and back', () => {
    expect(blockFlags('31')).toEqual({ socks: true, http: false, tls: true });
    expect(blockValue({ socks: true, http: false, tls: true })).toBe('13');
    expect(blockValue({ socks: false, http: false, tls: false })).toBe('');
  });
});

describe('pairedClient', () => {
  it('dials the server on loopback when it listens on all interfaces, with the same key', () => {
    const c = pairedClient(server({ key: 'k', params: { log: 'debug', tls: '1' } }), ['127.0.0.1:22']);
    expect(checkFields(c).url).toBe('client://k@127.0.0.1:10101/127.0.0.1:22?log=debug&mode=2');
    const v6 = pairedClient(server({ tunnel: '[::]:10101' }), ['127.0.0.1:22']);
    expect(v6.tunnel).toBe('[::1]:10101');
    const named = pairedClient(server({ tunnel: 'vpn.example.com:443' }), ['127.0.0.1:22']);
    expect(named.tunnel).toBe('vpn.example.com:443');
  });

  it('derives the same key from the same port text when the server has none', () => {
    const s = checkFields(server()).url;
    const c = checkFields(pairedClient(server(), ['127.0.0.1:22'])).url;
    const sc = parseTunnelUrl(s);
    const cc = parseTunnelUrl(c);
    expect(sc.ok && cc.ok && sc.value.key === cc.value.key).toBe(true);
  });
});
