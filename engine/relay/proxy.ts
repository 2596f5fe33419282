// PROXY protocol v1 header toward the dialled target (spec §7.5).

import { isIPv4 } from '../url/ip';
import { splitHostPort } from '../url/ip';

function v4(ip: string): string | null {
  if (isIPv4(ip)) return ip;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m && isIPv4(m[1]) ? m[1] : null;
}

/**
 * `PROXY TCP4|TCP6 <src-ip> <dst-ip> <src-port> <dst-port>\r\n` for a client at `remote`
 * (`ip:port`) reaching the target at dstIp:dstPort; null when `remote` is not an address.
 */
export function proxyV1Header(remote: string, dstIp: string, dstPort: number): string | null {
  const hp = splitHostPort(remote);
  if (!hp || !/^\d+$/.test(hp.port)) return null;
  const src4 = v4(hp.host);
  const dst4 = v4(dstIp);
  if (src4 && dst4) return `PROXY TCP4 ${src4} ${dst4} ${hp.port} ${dstPort}\r\n`;
  if (!hp.host.includes(':') && !src4) return null;
  const src6 = src4 ? `::ffff:${src4}` : hp.host;
  const dst6 = dst4 ? `::ffff:${dst4}` : dstIp;
  return `PROXY TCP6 ${src6} ${dst6} ${hp.port} ${dstPort}\r\n`;
}
