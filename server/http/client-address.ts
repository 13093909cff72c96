// Who a request comes from. Behind a reverse proxy (Caddy, nginx) every socket peer is the proxy; the operator names
// the proxies to believe (config.trustProxy) and the client is then the last address they did not add themselves.
// Fastify's req.ip and the media fast path use this one rule.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import proxyAddr from '@fastify/proxy-addr';

export type TrustProxy = (addr: string, hop: number) => boolean;

/** The trust test Fastify takes as `trustProxy`, or false when no proxy is trusted. Compiled once, at start. */
export function trustedProxies(list: string[]): TrustProxy | false {
  return list.length ? proxyAddr.compile(list) : false;
}

export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trust: TrustProxy | false): string {
  // proxy-addr reads a request's headers and socket only (its types ask for a whole IncomingMessage).
  return trust ? proxyAddr(req as IncomingMessage, trust) : (req.socket.remoteAddress ?? '');
}

/**
 * A request that came through a proxy nobody told us to trust: its socket peer says nothing about the client, so
 * it must not count as "from this machine" (a local proxy would otherwise open the operator pages to the world).
 */
export function forwardedUntrusted(req: IncomingMessage, trust: TrustProxy | false): boolean {
  if (trust) return false;
  const h = req.headers;
  return h['x-forwarded-for'] !== undefined || h.forwarded !== undefined || h['x-real-ip'] !== undefined;
}

/** Whether the socket peer is a proxy the operator trusts (only then are its X-Forwarded-* headers believed). */
function fromTrustedProxy(req: IncomingMessage, trust: TrustProxy | false): boolean {
  return !!trust && trust(req.socket.remoteAddress ?? '', 0);
}

/** The first value of a header a proxy may have appended to. */
function firstValue(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v?.split(',')[0].trim();
}

/** The host (and port) the visitor addressed, as sent: the Host header, or a trusted proxy's X-Forwarded-Host. Unchecked. */
export function requestedHost(req: IncomingMessage, trust: TrustProxy | false): string | undefined {
  const forwarded = fromTrustedProxy(req, trust) ? firstValue(req.headers['x-forwarded-host']) : undefined;
  return (forwarded || req.headers.host)?.toLowerCase();
}

/** The scheme the visitor used: a trusted proxy's X-Forwarded-Proto, else whether this socket is TLS. */
export function requestedProto(req: IncomingMessage, trust: TrustProxy | false): 'http' | 'https' {
  const forwarded = fromTrustedProxy(req, trust) ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  if (forwarded === 'https' || forwarded === 'http') return forwarded;
  return (req.socket as TLSSocket).encrypted ? 'https' : 'http';
}
