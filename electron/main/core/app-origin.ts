// Whether a page is the Studio's own: the app's files from its scheme (onair-studio://app/…), or, in development,
// the dev server's origin. Compared by scheme and host, not by URL.origin: for a scheme that is not one of the web's
// own, the URL standard (and so Node, which runs main) gives origin "null", which would match nothing.
export const APP_SCHEME = 'onair-studio';
export const APP_HOST = 'app';

export function isAppPage(url: string, devUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  if (!devUrl) return false;
  try {
    const dev = new URL(devUrl);
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && u.origin === dev.origin;
  } catch {
    return false;
  }
}
