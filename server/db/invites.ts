// Invites: links a channel's owner hands to friends, their tokens (hashed, and sealed so the owner can see the link
// again), their redemption and the grants they give signed-in users. Tables from 0003_social.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from './database.js';
import { DbError } from './errors.js';
import type { RepoOptions } from './models.js';
import type { Database } from './schema.js';
import { SOCIAL_LIMITS } from './social.js';
import { hashToken } from './tokens.js';

export interface Invite {
  id: number;
  channelId: number;
  createdAt: number;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
  /** Whether the token is kept (sealed) so the owner can copy the link again: not for invites made before, nor revoked ones. */
  linkKept: boolean;
}

/** Seals invite tokens for their owner and opens them again (server/access/invite-seal.ts). */
export interface InviteTokenSeal {
  seal(token: string): string;
  /** null when it cannot be opened (sealed under another secret, damaged). */
  open(sealed: string): string | null;
}

export type InviteState = 'valid' | 'expired' | 'used_up' | 'revoked';

export type RedeemOutcome = { ok: true; invite: Invite } | { ok: false; state: Exclude<InviteState, 'valid'>; invite: Invite };

function toInvite(r: {
  id: number;
  channel_id: number;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  revoked_at: number | null;
  token_sealed: string | null;
}): Invite {
  return {
    id: r.id,
    channelId: r.channel_id,
    createdAt: Number(r.created_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    maxUses: r.max_uses === null ? null : Number(r.max_uses),
    uses: Number(r.uses),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    linkKept: r.token_sealed !== null,
  };
}

export function inviteState(inv: Invite, now: number): InviteState {
  if (inv.revokedAt !== null) return 'revoked';
  if (inv.expiresAt !== null && inv.expiresAt <= now) return 'expired';
  if (inv.maxUses !== null && inv.uses >= inv.maxUses) return 'used_up';
  return 'valid';
}

/** A new invite token: 32 random bytes (256 bits), base64url, 43 characters. */
export function newInviteToken(): string {
  return randomBytes(32).toString('base64url');
}

// token_sealed is read to say whether the link is kept (Invite.linkKept); only linkToken() opens it.
const INVITE_COLUMNS = ['id', 'channel_id', 'created_at', 'expires_at', 'max_uses', 'uses', 'revoked_at', 'token_sealed'] as const;

/**
 * Inside the caller's transaction: counts one use of the invite if it is valid, with a single conditional UPDATE so
 * that two visitors racing for the last use cannot both win; with `userId`, grants that user the channel. null for
 * an unknown token. Sign-up with an invite runs it in the account's own transaction (accounts.ts).
 */
export async function redeemInvite(trx: Kysely<Database>, token: string, now: number, userId?: number): Promise<RedeemOutcome | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > SOCIAL_LIMITS.maxTokenLength) return null;
  const hash = hashToken(token);
  const updated = await trx
    .updateTable('invites')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
    .returning(INVITE_COLUMNS)
    .executeTakeFirst();
  if (updated) {
    const invite = toInvite(updated);
    if (userId !== undefined) {
      await trx
        .insertInto('invite_grants')
        .values({ user_id: userId, channel_id: invite.channelId, invite_id: invite.id, created_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'channel_id']).doUpdateSet({ invite_id: invite.id, created_at: now }))
        .execute();
    }
    return { ok: true as const, invite };
  }
  const row = await trx.selectFrom('invites').select(INVITE_COLUMNS).where('token_hash', '=', hash).executeTakeFirst();
  if (!row) return null;
  const invite = toInvite(row);
  const state = inviteState(invite, now);
  // 'valid' here means a concurrent change between the two statements: report it as used up.
  return { ok: false as const, state: state === 'valid' ? 'used_up' : state, invite };
}

/** Why an invite cannot be used, in plain words, with the error code the API answers (410). */
export const INVITE_REFUSALS = {
  expired: { code: 'invite_expired', message: 'This invite link has expired. Ask the streamer for a new one.' },
  used_up: { code: 'invite_used_up', message: 'This invite link has been used as many times as it allows. Ask the streamer for a new one.' },
  revoked: { code: 'invite_revoked', message: 'The streamer has withdrawn this invite link.' },
} as const satisfies Record<Exclude<InviteState, 'valid'>, { code: string; message: string }>;

export class InvitesRepo {
  private readonly now: () => number;
  private readonly seal: InviteTokenSeal | undefined;
  constructor(
    private readonly db: Db,
    opts: RepoOptions & { seal?: InviteTokenSeal } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.seal = opts.seal;
  }

  /**
   * Creates an invite and returns its raw token. Lookups go by the token's sha256; with a seal the token is also
   * kept sealed, for its owner to copy the link again (linkToken).
   */
  async create(
    channelId: number,
    opts: { expiresInSeconds?: number | null; maxUses?: number | null } = {},
  ): Promise<{ invite: Invite; token: string }> {
    const { expiresInSeconds, maxUses } = opts;
    if (
      expiresInSeconds != null &&
      (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > SOCIAL_LIMITS.maxInviteSeconds)
    ) {
      throw new DbError('invalid_invite', `expiresInSeconds must be a whole number from 1 to ${SOCIAL_LIMITS.maxInviteSeconds} (one year).`);
    }
    if (maxUses != null && (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > SOCIAL_LIMITS.maxInviteUses)) {
      throw new DbError('invalid_invite', `maxUses must be a whole number from 1 to ${SOCIAL_LIMITS.maxInviteUses}.`);
    }
    const now = this.now();
    const active = (await this.list(channelId)).filter((i) => inviteState(i, now) === 'valid').length;
    if (active >= SOCIAL_LIMITS.maxActiveInvites) {
      throw new DbError('invalid_invite', `A channel can have at most ${SOCIAL_LIMITS.maxActiveInvites} open invites; revoke some first.`);
    }
    const token = newInviteToken();
    const row = await this.db.kysely
      .insertInto('invites')
      .values({
        channel_id: channelId,
        token_hash: hashToken(token),
        token_sealed: this.seal ? this.seal.seal(token) : null,
        created_at: now,
        expires_at: expiresInSeconds != null ? now + expiresInSeconds * 1000 : null,
        max_uses: maxUses ?? null,
        revoked_at: null,
      })
      .returning(INVITE_COLUMNS)
      .executeTakeFirstOrThrow();
    return { invite: toInvite(row), token };
  }

  /** A channel's invites, newest first. */
  async list(channelId: number): Promise<Invite[]> {
    const rows = await this.db.kysely
      .selectFrom('invites')
      .select(INVITE_COLUMNS)
      .where('channel_id', '=', channelId)
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toInvite);
  }

  /** The invite a raw token names, or null. No use is counted. */
  async byToken(token: string): Promise<Invite | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > SOCIAL_LIMITS.maxTokenLength) return null;
    const row = await this.db.kysely.selectFrom('invites').select(INVITE_COLUMNS).where('token_hash', '=', hashToken(token)).executeTakeFirst();
    return row ? toInvite(row) : null;
  }

  /**
   * Counts one use if the invite is valid; null for an unknown token. With `userId`, the user is granted access to
   * the channel.
   */
  async redeem(token: string, opts: { userId?: number } = {}): Promise<RedeemOutcome | null> {
    return this.db.kysely.transaction().execute((trx) => redeemInvite(trx, token, this.now(), opts.userId));
  }

  /**
   * The raw token of one of a channel's invites, for its owner: null when it is not kept (made before tokens were
   * kept, revoked, or sealed under another server secret). Null invite when the channel has no such invite.
   */
  async linkToken(channelId: number, inviteId: number): Promise<{ invite: Invite; token: string | null } | null> {
    const row = await this.db.kysely
      .selectFrom('invites')
      .select([...INVITE_COLUMNS, 'token_hash'])
      .where('id', '=', inviteId)
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    if (!row) return null;
    const token = row.token_sealed !== null && this.seal ? this.seal.open(row.token_sealed) : null;
    // The hash check binds the sealed text to its row: a token copied from another row is not this invite's.
    return { invite: toInvite(row), token: token !== null && hashToken(token) === row.token_hash ? token : null };
  }

  /**
   * Revokes one of a channel's invites, forgets its sealed token and removes the grants it gave. False when there
   * is no such invite.
   */
  async revoke(channelId: number, inviteId: number): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const inv = await trx
        .selectFrom('invites')
        .select(['id', 'revoked_at'])
        .where('id', '=', inviteId)
        .where('channel_id', '=', channelId)
        .executeTakeFirst();
      if (!inv) return false;
      if (inv.revoked_at === null)
        await trx.updateTable('invites').set({ revoked_at: this.now(), token_sealed: null }).where('id', '=', inviteId).execute();
      await trx.deleteFrom('invite_grants').where('invite_id', '=', inviteId).execute();
      return true;
    });
  }

  /** True when the user redeemed an invite of this channel that has not been revoked since. */
  async hasGrant(userId: number, channelId: number): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('invite_grants')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return !!row;
  }

  /** Ids of invites revoked at or after `since` (guest grants made from them are refused until they expire). */
  async revokedSince(since: number): Promise<number[]> {
    const rows = await this.db.kysely.selectFrom('invites').select('id').where('revoked_at', '>=', since).execute();
    return rows.map((r) => r.id);
  }
}
