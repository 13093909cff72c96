// Random secrets. Only hashes of session/bearer tokens are stored (see auth-tokens.ts).
import { createHash, randomBytes } from 'node:crypto';

/** A new session or API token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A new stream key: `live_` + 24 base64url characters (144 random bits). */
export function newStreamKey(): string {
  return 'live_' + randomBytes(18).toString('base64url');
}

/** sha256 hex of a token: what the database stores and looks up. */
export function hashToken(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}
