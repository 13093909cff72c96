// "Copy invite link" in the Studio: one bounded invite (STUDIO_INVITE: a week, 50 uses) per account, made on the
// first copy and handed out again while the server still counts it valid with time and uses to spare. The server
// stores only a hash of an invite's token, so the link itself is kept in the Studio's secret store (the account's
// secrets, keyed by the invite's id); the server's list (GET /api/me/invites) says whether that id is still good.
import type { ApiClient } from '../../../renderer/shared/api.js';
import type { ApiInvite } from '../../../renderer/shared/contracts.js';
import { STUDIO_INVITE, type StudioInvite } from '../../ipc-contract.js';
import type { StoredInvite } from './secret-store.js';

/** An invite with less time left than this is not handed out again: a friend may open the link a day later. */
export const REUSE_MIN_LEFT_MS = 24 * 60 * 60 * 1000;

/** The server's record of the stored invite, when it may be handed out again (else null). Pure. */
export function reusableInvite(stored: StoredInvite | undefined, listed: ApiInvite[], now: number): ApiInvite | null {
  if (!stored) return null;
  const inv = listed.find((i) => i.id === stored.id);
  if (!inv || inv.state !== 'valid' || inv.revoked) return null;
  if (inv.expiresAt !== null && Date.parse(inv.expiresAt) - now < REUSE_MIN_LEFT_MS) return null;
  if (inv.maxUses !== null && inv.uses >= inv.maxUses) return null;
  return inv;
}

/** The Studio's invite: the stored one while reusable, else a new bounded one, which `save` keeps. */
export async function studioInvite(
  client: Pick<ApiClient, 'invites' | 'createInvite'>,
  stored: StoredInvite | undefined,
  save: (invite: StoredInvite) => void,
  now = Date.now(),
): Promise<StudioInvite> {
  if (stored) {
    const inv = reusableInvite(stored, await client.invites(), now);
    if (inv) return { url: stored.url, expiresAt: inv.expiresAt, maxUses: inv.maxUses, uses: inv.uses, reused: true };
  }
  const made = await client.createInvite({ ...STUDIO_INVITE });
  save({ id: made.id, url: made.url, expiresAt: made.expiresAt, maxUses: made.maxUses });
  return { url: made.url, expiresAt: made.expiresAt, maxUses: made.maxUses, uses: 0, reused: false };
}
