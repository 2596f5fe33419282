// NodePassDash's one-line master link, `np://master?url=<base64 API base>&key=<base64 API key>`,
// as its install scripts, web UI and iOS app write it (often also shown as a QR code). The base64
// values are not percent-encoded by those writers, may carry `\r\n` line breaks (the iOS app wraps
// at 64 characters) or arrive URL-safe; some scripts put the raw 32-hex key instead of its base64,
// and some leave the key out. Browser-safe (atob/btoa, no node: imports).

export interface MasterLink {
  /** The API base including `/v1`, e.g. `https://node.example.com:9090/api/v1`. */
  url: string;
  /** The API key; `''` when the link carries none (the user has to type it). */
  key: string;
}

export type LinkResult = { ok: true; value: MasterLink } | { ok: false; error: string };

function toBase64(text: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** base64 (standard or URL-safe, with or without padding, line breaks ignored) → UTF-8 text, or null. */
function fromBase64(raw: string): string | null {
  let s = raw.replace(/[\r\n\t]/g, '').replace(/ /g, '+').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length === 0) return null;
  s = s.replace(/=+$/, '');
  if (s.length % 4 === 1) return null;
  s += '='.repeat((4 - (s.length % 4)) % 4);
  try {
    const bin = atob(s);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** A link for a master's API base and key (what NodePassDash's "share" and QR code contain). */
export function encodeMasterLink(link: MasterLink): string {
  const url = `np://master?url=${toBase64(link.url)}`;
  return link.key ? `${url}&key=${toBase64(link.key)}` : url;
}

/** Checks and tidies an API base: http(s), no query or fragment, no trailing slash. */
export function normaliseApiBase(text: string): { ok: true; value: string } | { ok: false; error: string } {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return { ok: false, error: `"${text.trim()}": expected an http:// or https:// address such as http://10.0.0.5:9090/api/v1` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, error: `"${text.trim()}": expected http:// or https://, got ${u.protocol}//` };
  if (!u.hostname) return { ok: false, error: `"${text.trim()}": the address has no host` };
  if (u.username || u.password) return { ok: false, error: `"${text.trim()}": put the API key in its own field, not in the address` };
  let path = u.pathname.replace(/\/+$/, '');
  // A bare address means the default prefix, as NodePass's own default master URL has it.
  if (path === '') path = '/api/v1';
  else if (!/\/v1$/.test(path)) path += '/v1';
  return { ok: true, value: `${u.protocol}//${u.host}${path}` };
}

const printable = (s: string) => /^[\x21-\x7e]+$/.test(s);

export function decodeMasterLink(text: string): LinkResult {
  const s = text.trim();
  const m = /^np:\/\/master\/?\?(.*)$/is.exec(s);
  if (!m) return { ok: false, error: 'expected a link of the form np://master?url=…&key=…' };
  const params = new Map<string, string>();
  for (const part of m[1].split('&')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? '' : part.slice(eq + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded (the usual case): keep it as it is.
    }
    if (name) params.set(name, value);
  }
  const rawUrl = params.get('url');
  if (!rawUrl) return { ok: false, error: 'url: missing (expected the base64 of the master’s API address)' };
  const decodedUrl = fromBase64(rawUrl);
  if (decodedUrl === null) return { ok: false, error: 'url: expected base64 of the master’s API address' };
  const base = normaliseApiBase(decodedUrl);
  if (!base.ok) return { ok: false, error: `url: ${base.error}` };
  const rawKey = (params.get('key') ?? '').trim();
  let key = '';
  if (rawKey !== '') {
    // A raw 32-hex key is also valid base64 (of bytes that are not text), so it is checked first.
    if (/^[0-9a-f]{32}$/i.test(rawKey)) key = rawKey;
    else {
      const k = fromBase64(rawKey);
      if (k === null || !printable(k)) return { ok: false, error: 'key: expected the base64 of the API key' };
      key = k;
    }
  }
  return { ok: true, value: { url: base.value, key } };
}
