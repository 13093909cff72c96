// Requests between the nodes of a cluster: a node that is not a stream's origin fetches the stream's media from the
// origin's own routes, having checked the viewer's access itself. The origin believes such a request when it carries
// PEER_HEADER, an HMAC of the request line under the secret every node shares (from the shared database), made
// within PEER_SKEW_MS.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PEER_HEADER = 'x-onair-peer';
const PEER_SKEW_MS = 30_000;

function mac(secret: string, ts: string, method: string, url: string): string {
  return createHmac('sha256', `onair-peer:${secret}`).update(`${ts}\n${method}\n${url}`).digest('base64url');
}

/** The header value for `method url` (url: path and query) sent at `now`. */
export function peerSignature(secret: string, method: string, url: string, now = Date.now()): string {
  const ts = String(now);
  return `${ts}.${mac(secret, ts, method, url)}`;
}

/** Whether `header` signs `method url` under `secret`, made within PEER_SKEW_MS of `now`. */
export function verifyPeer(secret: string, header: string | string[] | undefined, method: string, url: string, now = Date.now()): boolean {
  if (typeof header !== 'string') return false;
  const dot = header.indexOf('.');
  if (dot <= 0) return false;
  const ts = header.slice(0, dot);
  if (!/^\d{1,15}$/.test(ts) || Math.abs(now - Number(ts)) > PEER_SKEW_MS) return false;
  const want = Buffer.from(mac(secret, ts, method, url));
  const got = Buffer.from(header.slice(dot + 1));
  return got.length === want.length && timingSafeEqual(got, want);
}
