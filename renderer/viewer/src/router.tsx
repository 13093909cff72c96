// A small history-based router: the server answers index.html for every app path, this picks the page.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const subscribers = new Set<() => void>();

function notify() {
  for (const s of subscribers) s();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

function subscribe(fn: () => void) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

const snapshot = () => location.pathname + location.search;

/** The current path and query string; re-renders on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const full = useSyncExternalStore(subscribe, snapshot);
  const [path, search = ''] = full.split('?');
  return { path, query: new URLSearchParams(search) };
}

export type Route =
  | { page: 'home' }
  | { page: 'settings' }
  | { page: 'dashboard' }
  | { page: 'admin' }
  | { page: 'watch'; channel: string }
  | { page: 'replays'; channel: string }
  | { page: 'replay'; id: string }
  | { page: 'invite'; token: string }
  | { page: 'embed'; channel: string }
  | { page: 'not-found' };

const seg = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  let m: RegExpExecArray | null;
  if (p === '/') return { page: 'home' };
  if (p === '/settings') return { page: 'settings' };
  if (p === '/dashboard') return { page: 'dashboard' };
  if (p === '/admin') return { page: 'admin' };
  if ((m = /^\/c\/([^/]+)$/.exec(p))) return { page: 'watch', channel: seg(m[1]) };
  if ((m = /^\/c\/([^/]+)\/replays$/.exec(p))) return { page: 'replays', channel: seg(m[1]) };
  if ((m = /^\/replay\/([^/]+)$/.exec(p))) return { page: 'replay', id: seg(m[1]) };
  if ((m = /^\/i\/([^/]+)$/.exec(p))) return { page: 'invite', token: seg(m[1]) };
  if ((m = /^\/embed\/([^/]+)$/.exec(p))) return { page: 'embed', channel: seg(m[1]) };
  return { page: 'not-found' };
}

/** An <a> that navigates inside the app (new tab, modifiers and other origins behave as usual). */
export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}
