// Hash routes, so a reload (and the Electron window, loaded from app://) lands on the same view:
// the routes and their addresses, pure (hooks/route.ts follows the address bar).

export type Route =
  | { name: 'list' }
  | { name: 'new' }
  | { name: 'masters' }
  | { name: 'settings' }
  | { name: 'notices' }
  | { name: 'detail'; key: string; tab: 'overview' | 'logs' }
  | { name: 'edit'; key: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'new') return { name: 'new' };
  if (parts[0] === 'masters') return { name: 'masters' };
  if (parts[0] === 'settings') return { name: 'settings' };
  if (parts[0] === 'notices') return { name: 'notices' };
  if (parts[0] === 'i' && parts.length >= 3) {
    const key = `${parts[1]}/${parts[2]}`;
    if (parts[3] === 'edit') return { name: 'edit', key };
    return { name: 'detail', key, tab: parts[3] === 'logs' ? 'logs' : 'overview' };
  }
  return { name: 'list' };
}

export function hrefOf(r: Route): string {
  switch (r.name) {
    case 'list':
      return '#/';
    case 'new':
      return '#/new';
    case 'masters':
    case 'settings':
    case 'notices':
      return `#/${r.name}`;
    case 'edit':
      return `#/i/${r.key.split('/').map(encodeURIComponent).join('/')}/edit`;
    case 'detail':
      return `#/i/${r.key.split('/').map(encodeURIComponent).join('/')}${r.tab === 'logs' ? '/logs' : ''}`;
  }
}
