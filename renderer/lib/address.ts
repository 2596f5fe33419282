// An instance URL as people recognise it in a list.

/** `server://key@host:port/targets?…` → `host:port → targets`, the part people recognise. */
export function addressOf(url: string): string {
  const m = /^\w+:\/\/(?:[^@/]*@)?([^/?#]*)\/?([^?#]*)/.exec(url);
  if (!m) return url;
  return m[2] ? `${m[1]} → ${decodeURIComponent(m[2])}` : m[1];
}
