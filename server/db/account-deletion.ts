// Deleting an account for good (the operator CLI's `user delete`): the user, their channel with its replays, tags,
// invites, followers, chat and bans, their sign-ins, follows and invite grants, and every chat message they wrote in
// any channel. Nothing is kept under another name: the messages go too, rather than staying with their name on them.
// One transaction; the caller removes the replays' files and tells running servers (the rows say which).
import type { Kysely } from 'kysely';
import type { ChatDatabase } from './chat.js';
import type { Db } from './database.js';

export interface DeletedAccount {
  username: string;
  /** The channel that went with the account (null only for an account made before channels existed). */
  channel: { id: number; name: string } | null;
  /** Stream ids of the channel's replays: their folders under <dataDir>/media/ are the caller's to remove. */
  replayIds: string[];
  /** Sign-ins (session and bearer tokens) that stopped working. */
  signIns: number;
  /** Chat messages the user wrote, in any channel. */
  chatMessages: number;
}

/** Deletes the account and everything of it; null when there is no such user. */
export async function deleteAccount(db: Db, userId: number): Promise<DeletedAccount | null> {
  const k = db.kysely as unknown as Kysely<ChatDatabase>;
  return k.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirst();
    if (!user) return null;
    const channel = (await trx.selectFrom('channels').select(['id', 'name']).where('user_id', '=', userId).executeTakeFirst()) ?? null;
    const replayIds = channel ? (await trx.selectFrom('replays').select('id').where('channel_id', '=', channel.id).execute()).map((r) => r.id) : [];
    const signIns = Number((await trx.deleteFrom('auth_tokens').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows);
    // Their messages would otherwise outlive them (chat_messages.user_id is "on delete set null").
    const chatMessages = Number((await trx.deleteFrom('chat_messages').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows);
    // The rest follows by the foreign keys' "on delete cascade": channel, replays, tags, follows, invites and their
    // grants, the channel's chat, bans and timeouts, and the user's own follows, grants, bans and timeouts.
    await trx.deleteFrom('users').where('id', '=', userId).execute();
    return { username: user.username, channel, replayIds, signIns, chatMessages };
  });
}
