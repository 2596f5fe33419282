// The route in the address bar, as a hook, and the way to go elsewhere.

import { useSyncExternalStore } from 'react';
import { hrefOf, parseRoute, type Route } from '../lib/routes';

export function navigate(r: Route | string): void {
  window.location.hash = typeof r === 'string' ? r : hrefOf(r);
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
