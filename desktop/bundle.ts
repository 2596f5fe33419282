// The renderer bundle as the desktop serves it — over HTTP in headless mode (webui.ts) and on
// app:// in the Electron window — with one content security policy (the build writes the page's
// <meta> copy from it too), one table of content types and one rule for which file a path names.

import path from 'node:path';

const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
];

/** The policy in the page's own <meta> tag: frame-ancestors has no effect there. */
export const PAGE_META_CSP = DIRECTIVES.join('; ');

/** The policy sent with every file of the bundle. */
export const PAGE_CSP = `${PAGE_META_CSP}; frame-ancestors 'none'`;

/** Headers every file of the bundle carries, whoever serves it. */
export const BUNDLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type BundlePath = { ok: true; file: string } | { ok: false; status: 400 | 403 };

/**
 * The file under `root` a URL path names: percent-decoded, NUL refused (400), `..` normalised away
 * before it is joined, and anything that still lands outside `root` refused (403).
 */
export function fileInBundle(root: string, pathname: string): BundlePath {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (rel.includes('\0')) return { ok: false, status: 400 };
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + path.posix.normalize('/' + rel));
  return file === base || file.startsWith(base + path.sep) ? { ok: true, file } : { ok: false, status: 403 };
}
