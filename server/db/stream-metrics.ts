// Each stream's history for its owner's dashboard: samples every few seconds and health events, keyed by the stream
// id (the replay's id once it ended). Written by services/stream-metrics.ts; pruned with the replay (ReplaysRepo).
import type { Kysely } from 'kysely';
import type { Db } from './database.js';
import type { ChatDatabase } from './chat.js';

export interface StreamSample {
  at: number;
  viewers: number;
  bitrateKbps: number;
  fps: number | null;
  chatMessages: number;
}

export interface StoredStreamEvent {
  at: number;
  kind: string;
  detail: string;
}

export interface ViewerSummary {
  peak: number;
  average: number;
  samples: number;
}

export class StreamMetricsRepo {
  constructor(private readonly db: Db) {}

  async addSample(streamId: string, channelId: number, s: StreamSample): Promise<void> {
    await this.db.kysely
      .insertInto('stream_samples')
      .values({
        stream_id: streamId,
        channel_id: channelId,
        at: s.at,
        viewers: s.viewers,
        bitrate_kbps: s.bitrateKbps,
        fps: s.fps,
        chat_messages: s.chatMessages,
      })
      .execute();
  }

  async addEvent(streamId: string, channelId: number, e: StoredStreamEvent): Promise<void> {
    await this.db.kysely
      .insertInto('stream_events')
      .values({ stream_id: streamId, channel_id: channelId, at: e.at, kind: e.kind, detail: e.detail })
      .execute();
  }

  /** The stream's samples, oldest first, if they belong to the channel. */
  async samples(streamId: string, channelId: number): Promise<StreamSample[]> {
    const rows = await this.db.kysely
      .selectFrom('stream_samples')
      .select(['at', 'viewers', 'bitrate_kbps', 'fps', 'chat_messages'])
      .where('stream_id', '=', streamId)
      .where('channel_id', '=', channelId)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({
      at: Number(r.at),
      viewers: Number(r.viewers),
      bitrateKbps: Number(r.bitrate_kbps),
      fps: r.fps === null ? null : Number(r.fps),
      chatMessages: Number(r.chat_messages),
    }));
  }

  async events(streamId: string, channelId: number): Promise<StoredStreamEvent[]> {
    const rows = await this.db.kysely
      .selectFrom('stream_events')
      .select(['at', 'kind', 'detail'])
      .where('stream_id', '=', streamId)
      .where('channel_id', '=', channelId)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ at: Number(r.at), kind: r.kind, detail: r.detail }));
  }

  /** Peak and average viewers of each of the channel's streams that has samples. */
  async viewerSummaries(channelId: number, streamIds: readonly string[]): Promise<Map<string, ViewerSummary>> {
    const out = new Map<string, ViewerSummary>();
    if (streamIds.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom('stream_samples')
      .select((eb) => ['stream_id', eb.fn.max('viewers').as('peak'), eb.fn.avg<number>('viewers').as('average'), eb.fn.countAll<number>().as('n')])
      .where('channel_id', '=', channelId)
      .where('stream_id', 'in', [...streamIds])
      .groupBy('stream_id')
      .execute();
    for (const r of rows) out.set(r.stream_id, { peak: Number(r.peak), average: Number(r.average), samples: Number(r.n) });
    return out;
  }

  /** People's chat messages in the channel with from <= created_at < to (system messages are not counted). */
  async chatMessagesBetween(channelId: number, from: number, to: number): Promise<number> {
    const k = this.db.kysely as unknown as Kysely<ChatDatabase>;
    const row = await k
      .selectFrom('chat_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channel_id', '=', channelId)
      .where('system_kind', 'is', null)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Forgets a stream's history (its replay was deleted, or it ended with nothing to keep). */
  async remove(streamId: string): Promise<void> {
    await this.db.kysely.deleteFrom('stream_samples').where('stream_id', '=', streamId).execute();
    await this.db.kysely.deleteFrom('stream_events').where('stream_id', '=', streamId).execute();
  }
}
