// The benchmark datagram: magic, 8-byte sequence number, then a fixed pattern, so a receiver can
// tell an intact datagram (right length, right bytes) from a merged, split or damaged one.

export const UDP_MAGIC = 0x4e504231; // "NPB1"

export function udpTemplate(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 12; i < size; i++) b[i] = (i * 7 + 13) & 0xff;
  b.writeUInt32BE(UDP_MAGIC, 0);
  return b;
}

/** A datagram with sequence number `seq` (a fresh copy: dgram may still hold the previous one). */
export function stamp(template: Buffer, seq: number): Buffer {
  const b = Buffer.from(template);
  b.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 4);
  b.writeUInt32BE(seq >>> 0, 8);
  return b;
}
