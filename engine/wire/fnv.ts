// FNV-1a 32-bit: NodePass derives the tunnel key from the port string with it when the URL has no
// user part (spec §2.3). Pure, so the renderer can show the derived key too.

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function portDerivedKey(port: string): string {
  return fnv1a32(port).toString(16).padStart(8, '0');
}
