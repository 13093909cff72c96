// The server secret that signs guest grants and media tokens. ONAIR_SECRET (config `secret`) wins; otherwise a
// random secret is generated on first start and kept in the database (`settings` row `server_secret`), so every
// server process sharing a PostgreSQL database signs and verifies with the same key, and it survives restarts
// and moves of the data folder. Changing it signs every guest out and voids every media token (and old invite links
// can no longer be copied again: access/invite-seal.ts).
import { randomBytes } from 'node:crypto';
import type { SettingsRepo } from '../db/social.js';

export const SECRET_SETTING = 'server_secret';

export async function loadServerSecret(configured: string, settings: SettingsRepo): Promise<string> {
  if (configured) return configured;
  return settings.getOrCreate(SECRET_SETTING, () => randomBytes(32).toString('base64url'));
}
