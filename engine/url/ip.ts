// IP literal checks without node:net, so the URL model also runs in the renderer.

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(input: string): boolean {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (zone === s.length - 1) return false;
    s = s.slice(0, zone);
  }
  if (s.length < 2) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | null => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

export function isIP(s: string): 0 | 4 | 6 {
  if (isIPv4(s)) return 4;
  if (isIPv6(s)) return 6;
  return 0;
}

/** A host name as DNS allows it (letters, digits, hyphens, underscores, dots). */
export function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  return s
    .replace(/\.$/, '')
    .split('.')
    .every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}

export function isLoopbackIP(ip: string): boolean {
  if (isIPv4(ip)) return ip.startsWith('127.');
  const v = ip.toLowerCase();
  return v === '::1' || /^::ffff:127\./.test(v) || v === '0:0:0:0:0:0:0:1';
}

export function isUnspecifiedIP(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || /^[0:]+$/.test(ip);
}

/** `::ffff:1.2.3.4` → `1.2.3.4`: an IPv4 peer on a dual-stack socket, as Go names it (pinning, logs). */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** `host:port` with IPv6 hosts in brackets, as Go's net.JoinHostPort writes it. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits `host:port` / `[v6]:port`; returns null when there is no port. */
export function splitHostPort(s: string): { host: string; port: string } | null {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') return null;
    return { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const i = s.lastIndexOf(':');
  if (i < 0) return null;
  const host = s.slice(0, i);
  if (host.includes(':')) return null; // bare IPv6 without brackets is ambiguous
  return { host, port: s.slice(i + 1) };
}
