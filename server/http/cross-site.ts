// Cross-site requests. A browser attaches our cookies to requests that pages elsewhere make (a page on another
// port of the same host is "same-site", so SameSite=Lax does not stop it). Every request that changes state, and
// every chat connection, therefore names where it comes from: a page of ours (the Origin the visitor used, or
// ONAIR_PUBLIC_URL) or an origin the operator allowed (ONAIR_ALLOWED_ORIGINS, for embeds). Requests that carry a
// bearer token are not ambient (a page cannot make a browser add one) and pass; non-browser clients send no Origin.
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../access/credentials.js';
import { requestedHost, type TrustProxy } from './client-address.js';
import { HttpError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type OriginCheck = (origin: string, req: IncomingMessage) => boolean;

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Whether an Origin header names one of our own pages or an allowed embedder. */
export function originCheck(publicUrl: string, allowedOrigins: readonly string[], trust: TrustProxy | false): OriginCheck {
  const allowed = new Set([publicUrl, ...allowedOrigins].map(originOf).filter((o): o is string => o !== null));
  return (origin, req) => {
    const o = originOf(origin);
    if (o === null) return false;
    if (allowed.has(o)) return true;
    return new URL(o).host === requestedHost(req, trust);
  };
}

/** Fastify onRequest hook: refuses a state-changing request that a page from another origin made with our cookies. */
export function crossSiteGuard(check: OriginCheck) {
  return async (req: FastifyRequest): Promise<void> => {
    if (SAFE_METHODS.has(req.method) || bearerToken(req.headers.authorization)) return;
    const origin = req.headers.origin;
    const fetchSite = req.headers['sec-fetch-site'];
    const crossSite = origin !== undefined ? !check(origin, req.raw) : fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none';
    if (crossSite) {
      throw new HttpError(403, 'cross_site', 'This request came from a page on another site; open Onair itself to do this.');
    }
  };
}
