// ICO and ICNS containers around PNG images (both formats accept PNG payloads: ICO since Windows
// Vista, ICNS since macOS 10.7), and a reader for each so tests can check what was written.
// Plain byte layout, no rendering: the PNGs come from scripts/make-icons.mjs.

/** Size of a PNG from its IHDR chunk. */
export function pngSize(buf) {
  if (buf.length < 24 || buf.readUInt32BE(0) !== 0x89504e47 || buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** images: PNG buffers, each square. */
export function writeIco(images) {
  const head = Buffer.alloc(6);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2); // 1 = icon
  head.writeUInt16LE(images.length, 4);
  const dir = Buffer.alloc(16 * images.length);
  let offset = 6 + dir.length;
  images.forEach((png, n) => {
    const { width, height } = pngSize(png);
    const e = n * 16;
    dir.writeUInt8(width >= 256 ? 0 : width, e); // 0 means 256
    dir.writeUInt8(height >= 256 ? 0 : height, e + 1);
    dir.writeUInt8(0, e + 2); // palette
    dir.writeUInt8(0, e + 3);
    dir.writeUInt16LE(1, e + 4); // colour planes
    dir.writeUInt16LE(32, e + 6); // bits per pixel
    dir.writeUInt32LE(png.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([head, dir, ...images]);
}

export function readIco(buf) {
  if (buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1) throw new Error('not an ICO file');
  const count = buf.readUInt16LE(4);
  const out = [];
  for (let n = 0; n < count; n++) {
    const e = 6 + n * 16;
    const size = buf.readUInt32LE(e + 8);
    const off = buf.readUInt32LE(e + 12);
    const png = buf.subarray(off, off + size);
    out.push({ width: buf.readUInt8(e) || 256, height: buf.readUInt8(e + 1) || 256, png: pngSize(png) });
  }
  return out;
}

/** The ICNS types and the pixel size each holds. */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

/** byPixels: Map(pixel size → PNG buffer). */
export function writeIcns(byPixels) {
  const chunks = [];
  for (const [type, px] of ICNS_TYPES) {
    const png = byPixels.get(px);
    if (!png) continue;
    const h = Buffer.alloc(8);
    h.write(type, 0, 'latin1');
    h.writeUInt32BE(png.length + 8, 4);
    chunks.push(h, png);
  }
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

export function readIcns(buf) {
  if (buf.toString('latin1', 0, 4) !== 'icns' || buf.readUInt32BE(4) !== buf.length) throw new Error('not an ICNS file');
  const out = [];
  for (let off = 8; off < buf.length; ) {
    const type = buf.toString('latin1', off, off + 4);
    const len = buf.readUInt32BE(off + 4);
    out.push({ type, png: pngSize(buf.subarray(off + 8, off + len)) });
    off += len;
  }
  return out;
}
