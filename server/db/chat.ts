// Chat persistence (server/chat): messages, bans, timeouts. Tables from migration 0004_chat.
// The table types live here rather than in schema.ts so the chat module owns them; `ChatDatabase` extends the
// shared schema.
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Db } from './database.js';
import type { RepoOptions } from './models.js';
import type { Database } from './schema.js';

export interface ChatMessagesTable {
  id: Generated<number>;
  channel_id: number;
  user_id: number | null;
  guest_id: string | null;
  author_name: string;
  text: string;
  /** 'live' | 'ended' | 'moderation' for system messages; null for people's messages. */
  system_kind: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface ChatBansTable {
  id: Generated<number>;
  channel_id: number;
  user_id: number | null;
  guest_id: string | null;
  /** sha256 hex of a guest's address (salted); bans every guest from that address. */
  guest_ip_hash: string | null;
  created_at: number;
  expires_at: number | null;
}

export interface ChatTimeoutsTable {
  id: Generated<number>;
  channel_id: number;
  user_id: number | null;
  guest_id: string | null;
  until: number;
  created_at: number;
}

export interface ChatDatabase extends Database {
  chat_messages: ChatMessagesTable;
  chat_bans: ChatBansTable;
  chat_timeouts: ChatTimeoutsTable;
}

export interface StoredChatMessage {
  id: number;
  channelId: number;
  userId: number | null;
  guestId: string | null;
  authorName: string;
  text: string;
  systemKind: string | null;
  createdAt: number;
  deletedAt: number | null;
}

export interface NewChatMessage {
  channelId: number;
  userId?: number | null;
  guestId?: string | null;
  authorName: string;
  text: string;
  systemKind?: string | null;
}

/** Whom a ban or timeout is about. Exactly one of userId / guestId; ipHash only with guestId (or alone in a lookup). */
export interface ChatSubject {
  userId?: number;
  guestId?: string;
  ipHash?: string;
}

/** System messages that say a stream started or ended; a run of them is trimmed (trimStreamNoticeRun). */
const STREAM_NOTICE_KINDS = ['live', 'ended'];

function toMessage(r: Selectable<ChatMessagesTable>): StoredChatMessage {
  return {
    id: r.id,
    channelId: r.channel_id,
    userId: r.user_id,
    guestId: r.guest_id,
    authorName: r.author_name,
    text: r.text,
    systemKind: r.system_kind,
    createdAt: Number(r.created_at),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  };
}

export class ChatRepo {
  private readonly k: Kysely<ChatDatabase>;
  private readonly now: () => number;

  constructor(db: Db, opts: RepoOptions = {}) {
    this.k = db.kysely as unknown as Kysely<ChatDatabase>;
    this.now = opts.now ?? Date.now;
  }

  async insertMessage(m: NewChatMessage): Promise<StoredChatMessage> {
    const row = await this.k
      .insertInto('chat_messages')
      .values({
        channel_id: m.channelId,
        user_id: m.userId ?? null,
        guest_id: m.guestId ?? null,
        author_name: m.authorName,
        text: m.text,
        system_kind: m.systemKind ?? null,
        created_at: this.now(),
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMessage(row);
  }

  /** The newest `limit` messages that are not deleted, oldest first. */
  async history(channelId: number, limit: number): Promise<StoredChatMessage[]> {
    const rows = await this.k
      .selectFrom('chat_messages')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('deleted_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map(toMessage);
  }

  /**
   * Deletes the older stream notices ("live", "ended") of the channel's latest unbroken run of them, keeping the
   * newest `keep`: a channel restarted many times with nobody chatting in between would otherwise fill the history
   * the join answer carries with nothing else. Returns how many were deleted. Runs broken by a message are left as
   * they are.
   */
  async trimStreamNoticeRun(channelId: number, keep: number): Promise<number> {
    const lastOther = await this.k
      .selectFrom('chat_messages')
      .select('id')
      .where('channel_id', '=', channelId)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('system_kind', 'is', null), eb('system_kind', 'not in', STREAM_NOTICE_KINDS)]))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const run = await this.k
      .selectFrom('chat_messages')
      .select('id')
      .where('channel_id', '=', channelId)
      .where('id', '>', lastOther?.id ?? 0)
      .where('system_kind', 'in', STREAM_NOTICE_KINDS)
      .orderBy('id', 'desc')
      .limit(keep + 1000)
      .execute();
    const old = run.slice(keep).map((r) => r.id);
    if (old.length === 0) return 0;
    const res = await this.k.deleteFrom('chat_messages').where('channel_id', '=', channelId).where('id', 'in', old).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async messageById(channelId: number, id: number): Promise<StoredChatMessage | null> {
    const row = await this.k.selectFrom('chat_messages').selectAll().where('channel_id', '=', channelId).where('id', '=', id).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  /** Soft delete. True if a message of that channel was deleted now (false if unknown or already deleted). */
  async deleteMessage(channelId: number, id: number): Promise<boolean> {
    const res = await this.k
      .updateTable('chat_messages')
      .set({ deleted_at: this.now() })
      .where('channel_id', '=', channelId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Bans someone from a channel; `expiresAt` null for a permanent ban. */
  async ban(channelId: number, who: ChatSubject, expiresAt: number | null): Promise<void> {
    if (who.userId === undefined && who.guestId === undefined) throw new TypeError('ban needs a userId or a guestId');
    await this.k
      .insertInto('chat_bans')
      .values({
        channel_id: channelId,
        user_id: who.userId ?? null,
        guest_id: who.userId === undefined ? (who.guestId ?? null) : null,
        guest_ip_hash: who.userId === undefined ? (who.ipHash ?? null) : null,
        created_at: this.now(),
        expires_at: expiresAt,
      })
      .execute();
  }

  /** Lifts every ban of that user or guest in the channel (for a guest, the address bans recorded with it too). */
  async unban(channelId: number, who: { userId?: number; guestId?: string }): Promise<number> {
    let q = this.k.deleteFrom('chat_bans').where('channel_id', '=', channelId);
    if (who.userId !== undefined) q = q.where('user_id', '=', who.userId);
    else if (who.guestId !== undefined) q = q.where('guest_id', '=', who.guestId);
    else return 0;
    const res = await q.executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** True if any unexpired ban matches the user, the guest id or the guest address hash. */
  async isBanned(channelId: number, who: ChatSubject): Promise<boolean> {
    if (who.userId === undefined && who.guestId === undefined && who.ipHash === undefined) return false;
    const now = this.now();
    const row = await this.k
      .selectFrom('chat_bans')
      .select('id')
      .where('channel_id', '=', channelId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => {
        const ors = [];
        if (who.userId !== undefined) ors.push(eb('user_id', '=', who.userId));
        if (who.guestId !== undefined) ors.push(eb('guest_id', '=', who.guestId));
        if (who.ipHash !== undefined) ors.push(eb('guest_ip_hash', '=', who.ipHash));
        return eb.or(ors);
      })
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  /** Stops someone sending in a channel until `until` (replaces an earlier timeout). */
  async setTimeout(channelId: number, who: { userId?: number; guestId?: string }, until: number): Promise<void> {
    if (who.userId === undefined && who.guestId === undefined) throw new TypeError('timeout needs a userId or a guestId');
    await this.k.transaction().execute(async (trx) => {
      let del = trx.deleteFrom('chat_timeouts').where('channel_id', '=', channelId);
      del = who.userId !== undefined ? del.where('user_id', '=', who.userId) : del.where('guest_id', '=', who.guestId!);
      await del.execute();
      await trx
        .insertInto('chat_timeouts')
        .values({
          channel_id: channelId,
          user_id: who.userId ?? null,
          guest_id: who.userId === undefined ? who.guestId! : null,
          until,
          created_at: this.now(),
        })
        .execute();
    });
  }

  /** Epoch ms until which the user or guest may not send, or null. */
  async timedOutUntil(channelId: number, who: { userId?: number; guestId?: string }): Promise<number | null> {
    let q = this.k.selectFrom('chat_timeouts').select('until').where('channel_id', '=', channelId).where('until', '>', this.now());
    if (who.userId !== undefined) q = q.where('user_id', '=', who.userId);
    else if (who.guestId !== undefined) q = q.where('guest_id', '=', who.guestId);
    else return null;
    const row = await q.orderBy('until', 'desc').limit(1).executeTakeFirst();
    return row ? Number(row.until) : null;
  }

  /**
   * Hides (soft-deletes) every visible message of a user or guest in the channel, as a ban with hideMessages does.
   * Returns their ids.
   */
  async hideMessagesOf(channelId: number, who: { userId?: number; guestId?: string }): Promise<number[]> {
    let q = this.k.updateTable('chat_messages').set({ deleted_at: this.now() }).where('channel_id', '=', channelId).where('deleted_at', 'is', null);
    if (who.userId !== undefined) q = q.where('user_id', '=', who.userId);
    else if (who.guestId !== undefined) q = q.where('guest_id', '=', who.guestId);
    else return [];
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }

  /** Retention: deletes messages (deleted ones too) written before `cutoff` (epoch ms); returns how many. */
  async pruneBefore(cutoff: number): Promise<number> {
    const res = await this.k.deleteFrom('chat_messages').where('created_at', '<', cutoff).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Housekeeping: deletes expired bans and timeouts; returns how many rows. */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    const a = await this.k.deleteFrom('chat_bans').where('expires_at', 'is not', null).where('expires_at', '<=', now).executeTakeFirst();
    const b = await this.k.deleteFrom('chat_timeouts').where('until', '<=', now).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }
}
