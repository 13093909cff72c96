// What happens around a stream's start and end, in one place: an ended stream becomes its channel's replay, the
// chat room hears "live" and "ended", followers get "went live" and "ended" notices, every open app hears a public
// channel come and go (its live lists update from that), the channel's webhooks are sent, and a stream whose
// packaging failed has its publisher dropped so the encoder reconnects to a fresh one. LiveStreams only reports;
// this acts.
import { channelAccessInfo, type AccessControl } from '../access/access.js';
import type { DirectoryEvent, NoticeEvent } from '../api/chat.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { ReplaysRepo } from '../db/replays.js';
import type { FollowsRepo } from '../db/social.js';
import { channelUrls, type PublicBase } from '../http/urls.js';
import type { Logger } from '../log.js';
import type { StreamEnded } from '../media/live-stream.js';
import type { LiveStreams } from '../media/live-streams.js';

/** The chat side of a stream's life (ChatService). */
export interface StreamAnnouncer {
  streamStarted(channel: string, title?: string): Promise<unknown>;
  streamEnded(channel: string): Promise<unknown>;
  notifyUsers(userIds: readonly number[], payload: NoticeEvent): void;
  announceDirectory(payload: DirectoryEvent): void;
}

/** A stream that went live on this process. */
export interface StreamStart {
  channel: string;
  streamId: string;
  startedAt: number;
}

/** That stream, over. `hasReplay`: it had media and is kept as a replay. */
export interface StreamStop extends StreamStart {
  endedAt: number;
  durationSeconds: number;
  hasReplay: boolean;
}

/** The webhooks side (WebhookDispatcher): each resolves once the deliveries are queued, never on a receiver. */
export interface StreamWebhooks {
  streamLive(s: StreamStart): Promise<void>;
  streamEnded(s: StreamStop): Promise<void>;
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
  /** Where links in the live directory's entries point (the apps use only their path). */
  linkBase(): PublicBase;
  /** Cluster mode: this node's base URL, recorded with each replay so that other nodes can serve it. */
  nodeUrl?: () => string;
  logger: Logger;
}

export class StreamLifecycle {
  /** One promise per stream id someone waits on or that was recorded, with its resolver until it settles. */
  private readonly recorded = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** Channels announced to the directory as live: their end is announced whatever their visibility is by then. */
  private readonly inDirectory = new Set<string>();

  constructor(private readonly opts: StreamLifecycleOptions) {
    const { streams } = opts;
    streams.on('ended', (ended) => void this.recordReplay(ended));
    streams.on('ended-empty', ({ streamId }) => this.waiter(streamId).resolve());
    streams.on('failed', ({ channel }) => opts.kick(channel, 'packaging failed'));
  }

  /**
   * From now on stream start and end reach the chat room, followers get "went live" and "ended" notices, and
   * every connection hears a public channel come and go (`directory`).
   */
  announceIn(chat: StreamAnnouncer): void {
    this.followStreams({
      live: (s) => this.announceLive(chat, s.channel),
      // With media or without: the room heard "live", so it hears "ended", after it.
      ended: (s) => this.announceEnded(chat, s.channel),
      // Its room heard "live" from the process that is gone.
      recovered: (e) => chat.streamEnded(e.channel).then(() => {}),
    });
  }

  /** From now on the channel's webhooks hear its streams start and end. */
  sendWebhooks(webhooks: StreamWebhooks): void {
    this.followStreams({ live: (s) => webhooks.streamLive(s), ended: (s) => webhooks.streamEnded(s) });
  }

  /**
   * Calls `live` for each stream that goes live on this process and `ended` when it is over (with media or
   * without), one channel's calls one after the other in the order they happened. A stream recovered after a crash
   * went live on a process that is gone: its end goes to `recovered`, if given.
   */
  private followStreams(h: {
    live(s: StreamStart): Promise<void>;
    ended(s: StreamStop): Promise<void>;
    recovered?(e: StreamEnded): Promise<void>;
  }): void {
    const { streams, logger } = this.opts;
    const started = new Map<string, StreamStart>();
    const queues = new Map<string, Promise<void>>();
    const inOrder = (channel: string, fn: () => Promise<void>) => {
      const next = (queues.get(channel) ?? Promise.resolve())
        .then(fn)
        .catch((err) => logger.warn({ channel, err: (err as Error).message }, 'could not announce a stream change'));
      queues.set(channel, next);
      void next.then(() => queues.get(channel) === next && queues.delete(channel));
    };
    streams.on('live', ({ channel, streamId }) => {
      const start: StreamStart = { channel, streamId, startedAt: streams.get(channel)?.startedAt ?? Date.now() };
      started.set(streamId, start);
      inOrder(channel, () => h.live(start));
    });
    const stop = (streamId: string, over: Omit<StreamStop, keyof StreamStart>) => {
      const start = started.get(streamId);
      if (!start) return;
      started.delete(streamId);
      inOrder(start.channel, () => h.ended({ ...start, ...over }));
    };
    streams.on('ended', (e) => {
      if (started.has(e.streamId)) stop(e.streamId, { endedAt: e.endedAt, durationSeconds: e.durationSeconds, hasReplay: true });
      else if (h.recovered) inOrder(e.channel, () => h.recovered!(e));
    });
    streams.on('ended-empty', (e) => stop(e.streamId, { endedAt: Date.now(), durationSeconds: 0, hasReplay: false }));
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
    const { channels, replays, streams, logger } = this.opts;
    try {
      const channel = await channels.byName(ended.channel);
      if (!channel) {
        // The account was deleted while it streamed (or before an interrupted stream was recovered): keep nothing.
        await streams.deleteFiles(ended.streamId);
        logger.info({ channel: ended.channel, streamId: ended.streamId }, 'stream of a deleted channel: files removed');
        return;
      }
      await replays.insert({
        id: ended.streamId,
        channelId: channel.id,
        title: channel.title || `${channel.name} live`,
        startedAt: ended.startedAt,
        endedAt: ended.endedAt,
        durationSeconds: ended.durationSeconds,
        bytes: ended.bytes,
        hasDiscontinuity: ended.discontinuities > 0,
        nodeUrl: this.opts.nodeUrl?.(),
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
      if (channel.visibility === 'public') {
        // As GET /api/channels/live lists it; nobody watches yet and the apps show the thumbnail once there is one.
        const entry = {
          name,
          title: channel.title,
          tags: await channels.tagsOf(channel.id),
          viewers: 0,
          thumbnailUrl: channelUrls(this.opts.linkBase(), name).thumbnail,
        };
        this.inDirectory.add(name);
        chat.announceDirectory({ channel: name, live: true, entry });
      }
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

  private async announceEnded(chat: StreamAnnouncer, name: string): Promise<void> {
    const { channels, follows, logger } = this.opts;
    await chat.streamEnded(name).catch((err) => logger.warn({ channel: name, err: (err as Error).message }, 'could not announce stream end'));
    try {
      const channel = await channels.byName(name);
      if (!channel) return;
      if (this.inDirectory.delete(name) || channel.visibility === 'public') chat.announceDirectory({ channel: name, live: false });
      // Every follower: those who could not watch learnt the name alone when it went live, and learn no more now.
      const followers = await follows.followersOf(channel.id);
      if (followers.length) chat.notifyUsers(followers, { kind: 'followed-ended', channel: name });
    } catch (err) {
      logger.warn({ channel: name, err: (err as Error).message }, 'could not announce stream end to followers');
    }
  }
}
