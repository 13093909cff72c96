// What happens around a stream's start and end, in one place: an ended stream becomes its channel's replay, the
// chat room hears "live" and "ended", followers get a "went live" notice, and a stream whose packaging failed has
// its publisher dropped so the encoder reconnects to a fresh one. LiveStreams only reports; this acts.
import { channelAccessInfo, type AccessControl } from '../access/access.js';
import type { NoticeEvent } from '../api/chat.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { ReplaysRepo } from '../db/replays.js';
import type { FollowsRepo } from '../db/social.js';
import type { Logger } from '../log.js';
import type { StreamEnded } from '../media/live-stream.js';
import type { LiveStreams } from '../media/live-streams.js';

/** The chat side of a stream's life (ChatService). */
export interface StreamAnnouncer {
  streamStarted(channel: string, title?: string): Promise<unknown>;
  streamEnded(channel: string): Promise<unknown>;
  notifyUsers(userIds: readonly number[], payload: NoticeEvent): void;
}

export interface StreamLifecycleOptions {
  streams: LiveStreams;
  channels: ChannelsRepo;
  replays: ReplaysRepo;
  follows: FollowsRepo;
  access: AccessControl;
  /** Drops the live publisher of a channel (the RTMP server's kick). */
  kick(channel: string, reason: string): void;
  /** Called once a channel's stream is over (its HLS viewer count is dropped). */
  forgetViewers(channel: string): void;
  logger: Logger;
}

export class StreamLifecycle {
  /** One promise per stream id someone waits on or that was recorded, with its resolver until it settles. */
  private readonly recorded = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  constructor(private readonly opts: StreamLifecycleOptions) {
    const { streams } = opts;
    streams.on('ended', (ended) => void this.recordReplay(ended));
    streams.on('ended-empty', ({ streamId }) => this.waiter(streamId).resolve());
    streams.on('failed', ({ channel }) => opts.kick(channel, 'packaging failed'));
  }

  /** From now on stream start and end reach the chat room, and followers get a "went live" notice. */
  announceIn(chat: StreamAnnouncer): void {
    const { streams, logger } = this.opts;
    streams.on('live', ({ channel }) => void this.announceLive(chat, channel));
    streams.on('ended', ({ channel }) => {
      chat.streamEnded(channel).catch((err) => logger.warn({ channel, err: (err as Error).message }, 'could not announce stream end'));
    });
  }

  /** Resolves when the stream's replay has been recorded (or the stream ended with nothing to keep). */
  replayRecorded = (streamId: string): Promise<void> => this.waiter(streamId).promise;

  private waiter(streamId: string) {
    let w = this.recorded.get(streamId);
    if (!w) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      w = { promise, resolve };
      this.recorded.set(streamId, w);
    }
    return w;
  }

  private async recordReplay(ended: StreamEnded): Promise<void> {
    const { channels, replays, logger } = this.opts;
    try {
      const channel = await channels.byName(ended.channel);
      if (!channel) return;
      await replays.insert({
        id: ended.streamId,
        channelId: channel.id,
        title: channel.title || `${channel.name} live`,
        startedAt: ended.startedAt,
        endedAt: ended.endedAt,
        durationSeconds: ended.durationSeconds,
        bytes: ended.bytes,
        hasDiscontinuity: ended.discontinuities > 0,
      });
    } catch (err) {
      logger.error({ err: (err as Error).message, channel: ended.channel }, 'could not record replay');
    } finally {
      this.opts.forgetViewers(ended.channel);
      this.waiter(ended.streamId).resolve();
    }
  }

  private async announceLive(chat: StreamAnnouncer, name: string): Promise<void> {
    const { channels, follows, access, logger } = this.opts;
    try {
      const channel = await channels.byName(name);
      if (!channel) return;
      await chat.streamStarted(name, channel.title);
      // Followers who may watch learn the title; the others (an invite-only channel they follow) only the name.
      const info = channelAccessInfo(channel);
      const watching: number[] = [];
      const outside: number[] = [];
      for (const id of await follows.followersOf(channel.id)) ((await access.userMayWatch(id, info)) ? watching : outside).push(id);
      if (watching.length) chat.notifyUsers(watching, { kind: 'followed-live', channel: name, title: channel.title });
      if (outside.length) chat.notifyUsers(outside, { kind: 'followed-live', channel: name });
    } catch (err) {
      logger.warn({ channel: name, err: (err as Error).message }, 'could not announce stream start');
    }
  }
}
