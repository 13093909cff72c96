// A link meant for friends that points at this computer (localhost, 127.x, ::1) opens nowhere else. Links follow the
// address Onair was opened at (server/http/urls.ts), so a streamer on the server's own machine gets such links:
// say so where they are shown, and how to get one that works.
const LOOPBACK_HOST = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The link's host when only this computer can open it, else null. */
export function loopbackHost(url: string): string | null {
  try {
    const host = new URL(url).hostname;
    return LOOPBACK_HOST.test(host) ? host : null;
  } catch {
    return null;
  }
}

/**
 * Nothing for a link others can open; otherwise a note. `fix`: how to reach the server by its network address from
 * where the link was made (the web page's address bar, the Studio's Server field).
 */
export function LoopbackLinkNote({ url, fix, className }: { url: string | null | undefined; fix: string; className?: string }) {
  const host = url ? loopbackHost(url) : null;
  if (!host) return null;
  return (
    <p className={className} role="note" data-testid="loopback-note">
      Only this computer can open this link: it points at {host}. For friends, {fix}, then copy the link again; or set ONAIR_PUBLIC_URL on the server.
    </p>
  );
}
