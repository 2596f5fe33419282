// Serves the renderer bundle on app://renderer/ (a standard, secure scheme) instead of file://, so
// the page has a real origin, the CSP's 'self' means exactly the bundle, and nothing else on disk
// is reachable. Policy and content types are the desktop's (desktop/bundle.ts), as in headless mode.

import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { BUNDLE_HEADERS, contentTypeOf } from '../desktop/bundle';
import { APP_SCHEME, resolveAppFile } from './security';

export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

/** Answers one app:// request (exported for tests; `register` wires it to Electron). */
export async function appResponse(url: string, root: string): Promise<Response> {
  const file = resolveAppFile(url, root);
  if (!file) return new Response('forbidden', { status: 403 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      status: 200,
      headers: { ...BUNDLE_HEADERS, 'Content-Type': contentTypeOf(file) },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

export function registerAppProtocol(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(request.url, root));
}
