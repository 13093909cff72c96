import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity } from '../api/types.js';
import { bearerToken, GUEST_COOKIE, SESSION_COOKIE } from '../access/credentials.js';
import { forwardedUntrusted } from './client-address.js';
import type { HttpDeps } from './deps.js';
import { unauthorized } from './errors.js';

export { GUEST_COOKIE, SESSION_COOKIE };

export interface Principal {
  userId: number;
}

/** The token a request signs in with: the bearer when there is one, else the session cookie. */
export function presentedToken(req: FastifyRequest): string | undefined {
  return bearerToken(req.headers.authorization) ?? req.cookies?.[SESSION_COOKIE];
}

/** Every sign-in token the request carries (bearer and session cookie), each once. */
export function presentedTokens(req: FastifyRequest): string[] {
  const all = [bearerToken(req.headers.authorization), req.cookies?.[SESSION_COOKIE]];
  return [...new Set(all.filter((t): t is string => !!t))];
}

/** The caller from a Bearer token or the session cookie, or null. */
export async function authenticate(req: FastifyRequest, deps: HttpDeps): Promise<Principal | null> {
  const raw = presentedToken(req);
  if (!raw || raw.length > 200) return null;
  const resolved = await deps.tokens.resolve(raw);
  return resolved ? { userId: resolved.userId } : null;
}

/** The caller as an Identity: a user (bearer or session cookie) or a guest (guest cookie), or null. */
export async function identify(req: FastifyRequest, deps: HttpDeps): Promise<Identity | null> {
  return deps.access.resolveIdentity({ cookieHeader: req.headers.cookie, bearer: bearerToken(req.headers.authorization) });
}

export async function requireUser(req: FastifyRequest, deps: HttpDeps): Promise<Principal> {
  const p = await authenticate(req, deps);
  if (!p) throw unauthorized();
  return p;
}

/** The attributes of the session and guest cookies; a cookie is cleared with the same ones it was set with. */
export function credentialCookieOptions(deps: HttpDeps) {
  return { httpOnly: true, sameSite: 'lax', secure: deps.config.auth.secureCookies, path: '/' } as const;
}

export function setSessionCookie(reply: FastifyReply, deps: HttpDeps, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { ...credentialCookieOptions(deps), maxAge: deps.config.auth.sessionDays * 86400 });
}

/** Signing out: the browser forgets both the session and any guest grant. */
export function clearCredentialCookies(reply: FastifyReply, deps: HttpDeps): void {
  reply.clearCookie(SESSION_COOKIE, credentialCookieOptions(deps));
  reply.clearCookie(GUEST_COOKIE, credentialCookieOptions(deps));
}

/**
 * Stat pages show publisher addresses: open to this machine (loopback), the admin token (ONAIR_ADMIN_TOKEN), and an
 * admin account's own sign-in (bearer or session cookie; `onair user admin NAME on`, read on every request).
 */
export async function isOperator(req: FastifyRequest, deps: HttpDeps): Promise<boolean> {
  const ip = req.ip;
  if ((ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1') && !forwardedUntrusted(req.raw, deps.trust)) return true;
  if (deps.adminToken && bearerToken(req.headers.authorization) === deps.adminToken) return true;
  const p = await authenticate(req, deps);
  return !!p && (await deps.users.isAdmin(p.userId));
}
