// Invite tokens kept for their owner, so the settings page can copy an invite link again after a reload. The
// database looks invites up by the token's SHA-256 (as before); beside it the token is stored sealed with
// AES-256-GCM under a key derived (HKDF-SHA256) from the server secret. A copy of the database alone does not
// give the links when ONAIR_SECRET is set outside it; a changed secret leaves old invites working but their links
// unreadable (the settings page then says the link was shown once). Pure: no I/O.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { InviteTokenSeal } from '../db/invites.js';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What InvitesRepo seals tokens with. `open` gives null for text not sealed under this secret, or damaged. */
export function inviteTokenSeal(secret: string): InviteTokenSeal {
  return secretSeal(secret, 'invite token seal v1');
}

/**
 * Seals short secrets (invite tokens, restream destination keys) under a key derived from the server secret for
 * `purpose` alone: the secret also signs guest grants and media tokens, and one purpose's text cannot be opened as
 * another's.
 */
export function secretSeal(secret: string, purpose: string): InviteTokenSeal {
  const key = Buffer.from(hkdfSync('sha256', secret, 'onair', purpose, 32));
  return {
    seal(token) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${FORMAT}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      if (parts.length !== 3 || parts[0] !== FORMAT) return null;
      const iv = Buffer.from(parts[1], 'base64url');
      const body = Buffer.from(parts[2], 'base64url');
      if (iv.length !== IV_BYTES || body.length <= TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}
