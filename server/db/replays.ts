// Replay metadata. The media layer owns the files; this table records what exists and drives retention.
import type { Db } from './database.js';
import { DbError, ValidationError, isUniqueViolation } from './errors.js';
import { toReplay, type RepoOptions, type Replay } from './models.js';
import { validateReplayTitle } from './validation.js';

export interface NewReplay {
  /** The stream id from the media layer. */
  id: string;
  channelId: number;
  title: string;
  startedAt: number;
  endedAt: number;
  durationSeconds: number;
  bytes: number;
  hasDiscontinuity: boolean;
  /** Cluster mode: this node's base URL (ONAIR_NODE_URL): other nodes fetch the replay's files from there. */
  nodeUrl?: string;
}

export interface RetentionPolicy {
  /** Replays that ended more than this long ago are expired. */
  olderThanMs?: number;
  /** Keep the newest replays whose bytes add up to at most this; older ones are expired. */
  maxTotalBytes?: number;
  /** Cluster mode: only the replays whose files this node holds (the budget is its disk's). */
  nodeUrl?: string;
}

export const REPLAY_LIMITS = { idMax: 128, titleMax: 1000, listMax: 500 } as const;

export class ReplaysRepo {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    opts: RepoOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async insert(r: NewReplay): Promise<Replay> {
    validateReplay(r);
    try {
      const row = await this.db.kysely
        .insertInto('replays')
        .values({
          id: r.id,
          channel_id: r.channelId,
          title: r.title,
          started_at: r.startedAt,
          ended_at: r.endedAt,
          duration_seconds: r.durationSeconds,
          bytes: r.bytes,
          has_discontinuity: r.hasDiscontinuity ? 1 : 0,
          deleted_at: null,
          node_url: r.nodeUrl ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toReplay(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new DbError('replay_exists', `A replay with id "${r.id}" already exists.`);
      throw err;
    }
  }

  /** Replays of a channel that are not deleted, newest first. `limit` is clamped to 1..500. */
  async listByChannel(channelId: number, limit = 50): Promise<Replay[]> {
    const n = Math.max(1, Math.min(REPLAY_LIMITS.listMax, Math.floor(Number(limit)) || 1));
    const rows = await this.db.kysely
      .selectFrom('replays')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('deleted_at', 'is', null)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(n)
      .execute();
    return rows.map(toReplay);
  }

  /** The replay, or null if unknown or deleted (unless includeDeleted). */
  async byId(id: string, opts: { includeDeleted?: boolean } = {}): Promise<Replay | null> {
    if (typeof id !== 'string' || id.length === 0 || id.length > REPLAY_LIMITS.idMax) return null;
    let q = this.db.kysely.selectFrom('replays').selectAll().where('id', '=', id);
    if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null);
    const row = await q.executeTakeFirst();
    return row ? toReplay(row) : null;
  }

  /** Renames a replay that is not deleted (validateReplayTitle). The renamed replay, or null when there is none. */
  async rename(id: string, title: string): Promise<Replay | null> {
    const t = validateReplayTitle(title);
    const row = await this.db.kysely
      .updateTable('replays')
      .set({ title: t })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toReplay(row) : null;
  }

  /** Removes the row for good (its files must be gone first: a folder without a row is recovered as a replay). */
  async remove(id: string): Promise<boolean> {
    await this.forgetMetrics(id);
    const res = await this.db.kysely.deleteFrom('replays').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Marks the replay deleted (the row stays, for history). True if it was live before. */
  async markDeleted(id: string): Promise<boolean> {
    const res = await this.db.kysely
      .updateTable('replays')
      .set({ deleted_at: this.now() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    // The dashboard's charts of a stream go with its replay.
    await this.forgetMetrics(id);
    return Number(res.numUpdatedRows) > 0;
  }

  private async forgetMetrics(id: string): Promise<void> {
    await this.db.kysely.deleteFrom('stream_samples').where('stream_id', '=', id).execute();
    await this.db.kysely.deleteFrom('stream_events').where('stream_id', '=', id).execute();
  }

  /**
   * Ids of replays to delete under the policy, oldest first, across all channels. Walks the non-deleted
   * replays newest first (by end time) and keeps the longest run of newest replays whose bytes add up to at
   * most maxTotalBytes; the first one that does not fit and every older one expire (a single replay larger
   * than the budget expires too). Independently, replays that ended before now - olderThanMs expire.
   * Neither limit given → nothing expires.
   */
  async expired(policy: RetentionPolicy): Promise<string[]> {
    const { olderThanMs, maxTotalBytes, nodeUrl } = policy;
    if (olderThanMs === undefined && maxTotalBytes === undefined) return [];
    const cutoff = olderThanMs === undefined ? -Infinity : this.now() - olderThanMs;
    const rows = await this.db.kysely
      .selectFrom('replays')
      .select(['id', 'ended_at', 'bytes'])
      .where('deleted_at', 'is', null)
      .$if(nodeUrl !== undefined, (q) => q.where('node_url', '=', nodeUrl!))
      .orderBy('ended_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const out: string[] = [];
    let kept = 0;
    let full = false; // once a replay does not fit, every older one goes too (no older replay outlives a newer one)
    for (const row of rows) {
      const bytes = Number(row.bytes);
      if (!full && maxTotalBytes !== undefined && kept + bytes > maxTotalBytes) full = true;
      if (full || Number(row.ended_at) < cutoff) {
        out.push(row.id);
      } else {
        kept += bytes;
      }
    }
    return out.reverse();
  }

  /** Kept replays of every channel, largest first, with their channel's name; and how many there are. */
  async pageAll(offset: number, limit: number): Promise<{ replays: Array<Replay & { channel: string }>; total: number }> {
    const kept = this.db.kysely.selectFrom('replays').where('replays.deleted_at', 'is', null);
    const [rows, count] = await Promise.all([
      kept
        .innerJoin('channels', 'channels.id', 'replays.channel_id')
        .selectAll('replays')
        .select('channels.name as channel')
        .orderBy('replays.bytes', 'desc')
        .orderBy('replays.id')
        .offset(offset)
        .limit(limit)
        .execute(),
      kept.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { replays: rows.map((r) => ({ ...toReplay(r), channel: r.channel })), total: Number(count.n) };
  }

  /** Per channel: how many kept replays it has and their bytes. */
  async usageByChannel(channelIds: readonly number[]): Promise<Map<number, { replays: number; bytes: number }>> {
    const out = new Map<number, { replays: number; bytes: number }>();
    if (channelIds.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom('replays')
      .select((eb) => ['channel_id', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('bytes').as('bytes')])
      .where('deleted_at', 'is', null)
      .where('channel_id', 'in', [...channelIds])
      .groupBy('channel_id')
      .execute();
    for (const r of rows) out.set(r.channel_id, { replays: Number(r.n), bytes: Number(r.bytes) });
    return out;
  }

  /** Sum of bytes of non-deleted replays. */
  async totalBytes(): Promise<number> {
    const rows = await this.db.kysely.selectFrom('replays').select('bytes').where('deleted_at', 'is', null).execute();
    return rows.reduce((sum, r) => sum + Number(r.bytes), 0);
  }
}

function validateReplay(r: NewReplay): void {
  const bad = (why: string) => new ValidationError('invalid_replay', `Invalid replay: ${why}.`);
  if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > REPLAY_LIMITS.idMax) throw bad('id must be 1-128 characters');
  if (!Number.isSafeInteger(r.channelId)) throw bad('channelId must be an integer');
  if (typeof r.title !== 'string' || r.title.length > REPLAY_LIMITS.titleMax) throw bad('title must be text up to 1000 characters');
  if (!Number.isSafeInteger(r.startedAt) || !Number.isSafeInteger(r.endedAt)) throw bad('startedAt and endedAt must be integer milliseconds');
  if (r.endedAt < r.startedAt) throw bad('endedAt is before startedAt');
  if (!Number.isFinite(r.durationSeconds) || r.durationSeconds < 0) throw bad('durationSeconds must be a non-negative number');
  if (!Number.isSafeInteger(r.bytes) || r.bytes < 0) throw bad('bytes must be a non-negative integer');
  if (typeof r.hasDiscontinuity !== 'boolean') throw bad('hasDiscontinuity must be a boolean');
}
