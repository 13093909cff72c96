// Compact HMAC-signed grants: `<payload>.<signature>`, both base64url. The payload is a small JSON object; the
// signature is HMAC-SHA256 over "<purpose>.<payload>" with the server secret, so a grant made for one purpose
// (a guest grant) is never accepted for another (a media token). Pure: no I/O, the clock is passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type GrantPurpose = 'guest' | 'media';

/** A guest's access to one channel, from an invite. Carried in the `onair_guest` cookie. */
export interface GuestGrant {
  channelId: number;
  guestId: string;
  displayName: string;
  /** The invite it came from: revoking that invite ends the grant. */
  inviteId: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Permission to fetch one channel's media, carried as `?t=` (players drop cookies and headers in places). It names
 * whom it was minted for, so every use asks again whether that user or guest may still watch: a revoked invite, a
 * removed follow, a ban or a visibility change ends it at once, not when it expires.
 */
export interface MediaGrant {
  channelId: number;
  expiresAt: number;
  /** The signed-in viewer it was minted for. */
  userId?: number;
  /** The guest it was minted for, and the invite that let the guest in. */
  guestId?: string;
  inviteId?: number;
}

/** Longest grant accepted, whatever it says: bounds the damage of a leaked secret rotation gap. */
const MAX_GRANT_CHARS = 1024;

function mac(secret: string, purpose: GrantPurpose, payload: string): Buffer {
  return createHmac('sha256', secret).update(purpose).update('.').update(payload).digest();
}

export function signGrant(secret: string, purpose: GrantPurpose, body: Record<string, unknown>): string {
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, purpose, payload).toString('base64url')}`;
}

/** The payload of a grant signed for this purpose, or null (bad format, bad signature). Expiry is the caller's. */
export function verifyGrant(secret: string, purpose: GrantPurpose, token: unknown): Record<string, unknown> | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_GRANT_CHARS) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, purpose, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return body && typeof body === 'object' && !Array.isArray(body) ? body : null;
  } catch {
    return null;
  }
}

export function signGuestGrant(secret: string, g: GuestGrant): string {
  return signGrant(secret, 'guest', { c: g.channelId, g: g.guestId, n: g.displayName, i: g.inviteId, e: g.expiresAt });
}

export function verifyGuestGrant(secret: string, token: unknown, now: number): GuestGrant | null {
  const b = verifyGrant(secret, 'guest', token);
  if (!b) return null;
  const { c, g, n, i, e } = b;
  if (typeof c !== 'number' || typeof g !== 'string' || typeof n !== 'string' || typeof i !== 'number' || typeof e !== 'number') return null;
  if (e <= now) return null;
  return { channelId: c, guestId: g, displayName: n, inviteId: i, expiresAt: e };
}

export function signMediaGrant(secret: string, m: MediaGrant): string {
  return signGrant(secret, 'media', {
    c: m.channelId,
    e: m.expiresAt,
    ...(m.userId !== undefined ? { u: m.userId } : {}),
    ...(m.guestId !== undefined ? { g: m.guestId } : {}),
    ...(m.inviteId !== undefined ? { i: m.inviteId } : {}),
  });
}

export function verifyMediaGrant(secret: string, token: unknown, now: number): MediaGrant | null {
  const b = verifyGrant(secret, 'media', token);
  if (!b) return null;
  const { c, e, u, g, i } = b;
  if (typeof c !== 'number' || typeof e !== 'number') return null;
  if ((u !== undefined && typeof u !== 'number') || (g !== undefined && typeof g !== 'string') || (i !== undefined && typeof i !== 'number'))
    return null;
  if (e <= now) return null;
  return {
    channelId: c,
    expiresAt: e,
    ...(typeof u === 'number' ? { userId: u } : {}),
    ...(typeof g === 'string' ? { guestId: g } : {}),
    ...(typeof i === 'number' ? { inviteId: i } : {}),
  };
}
