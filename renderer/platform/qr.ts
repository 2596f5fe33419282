// QR codes: made with `qrcode` (share an instance's URL), read with `jsqr` (a master's np:// link
// from a picture). Both run in the page; images are data: URLs, which the CSP allows.

import QRCode from 'qrcode';
import jsQR from 'jsqr';

export function qrDataUrl(text: string, dark: boolean): Promise<string> {
  return QRCode.toDataURL(text, {
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 240,
    color: dark ? { dark: '#e7e9eeff', light: '#161920ff' } : { dark: '#111827ff', light: '#ffffffff' },
  });
}

/** The text of the first QR code in an image file, or null when there is none. */
export async function readQrFromFile(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  // Large photos are scaled down: QR finding is quadratic-ish and 1200 px is plenty.
  const scale = Math.min(1, 1200 / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(bitmap, 0, 0, w, h);
  const img = ctx.getImageData(0, 0, w, h);
  const code = jsQR(img.data, w, h, { inversionAttempts: 'attemptBoth' });
  return code?.data ?? null;
}
