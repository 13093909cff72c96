// Who a request comes from. Behind a reverse proxy (Caddy, nginx) every socket peer is the proxy; the operator names
// the proxies to believe (config.trustProxy) and the client is then the last address they did not add themselves.
// Fastify's req.ip and the media fast path use this one rule.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export type TrustProxy = (addr: string, hop: number) => boolean;

/** The trust test Fastify takes as `trustProxy`, or false when no proxy is trusted. Compiled once, at start. */
export function trustedProxies(list: string[]): TrustProxy | false {
  return list.length ? proxyAddr.compile(list) : false;
}

export function clientAddress(req: IncomingMessage, trust: TrustProxy | false): string {
  return trust ? proxyAddr(req, trust) : (req.socket.remoteAddress ?? '');
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
