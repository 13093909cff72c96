// Restream: while a channel is live, its enabled destinations each get the stream pushed to them (pusher.ts). They
// start when a stream starts, keep going while the publisher is away within the grace period (the stream's taps
// stay), stop when it ends, and follow the owner's changes while live (refresh). LiveStreams only reports; this acts.
import type { DestinationStats } from '../api/types.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { Destination, DestinationsRepo } from '../db/destinations.js';
import type { Logger } from '../log.js';
import type { MediaFrame } from '../media/frame.js';
import type { LiveStreams } from '../media/live-streams.js';
import { SharedChunks } from '../rtmp/client.js';
import { destinationHost } from './input.js';
import { DestinationPusher, PUSHER_LIMITS, type PusherLimits, type PusherStatus } from './pusher.js';

export interface RestreamOptions {
  streams: LiveStreams;
  channels: ChannelsRepo;
  destinations: DestinationsRepo;
  logger: Logger;
  /** ONAIR_RESTREAM_ALLOW_PRIVATE: destinations may resolve to this machine or a private network. */
  allowPrivateAddresses: boolean;
  limits?: PusherLimits;
}

interface Running {
  pusher: DestinationPusher;
  /** What it was started with: a change of any of it restarts the pusher. */
  fingerprint: string;
  name: string;
  host: string;
}

interface ChannelPush {
  streamId: string;
  pushers: Map<number, Running>;
  tap: (frame: MediaFrame) => void;
  /** Each frame chunked once for all the channel's destinations. */
  chunks: SharedChunks;
  /** The owner's changes are applied one after the other. */
  queue: Promise<void>;
}

export class RestreamService {
  private readonly live = new Map<string, ChannelPush>();

  constructor(private readonly opts: RestreamOptions) {
    const { streams } = opts;
    streams.on('live', ({ channel, streamId }) => this.startStream(channel, streamId));
    streams.on('ended', ({ channel, streamId }) => this.stopStream(channel, streamId));
    streams.on('ended-empty', ({ channel, streamId }) => this.stopStream(channel, streamId));
  }

  /** Where a destination is now; null when its channel is not live or it is not being pushed to. */
  status(channel: string, destinationId: number): PusherStatus | null {
    return this.live.get(channel)?.pushers.get(destinationId)?.pusher.snapshot() ?? null;
  }

  /** The channel's destinations being pushed to, for /api/stats (host only: never the path or the key). */
  stats(channel: string): DestinationStats[] {
    const push = this.live.get(channel);
    if (!push) return [];
    return [...push.pushers].map(([id, r]) => {
      const s = r.pusher.snapshot();
      return { id, name: r.name, host: r.host, state: s.state, reason: s.reason, bitrateKbps: s.bitrateKbps, droppedFrames: s.droppedFrames };
    });
  }

  /** The owner changed the channel's destinations: while live, start, restart and stop pushers to match. */
  refresh(channel: string): Promise<void> {
    const push = this.live.get(channel);
    if (!push) return Promise.resolve();
    push.queue = push.queue.then(() => this.reconcile(channel, push)).catch((err) => this.warn(channel, err));
    return push.queue;
  }

  close(): void {
    for (const [channel, push] of this.live) this.stopStream(channel, push.streamId);
  }

  private startStream(channel: string, streamId: string): void {
    const stream = this.opts.streams.byStreamId(streamId);
    if (!stream) return;
    const push: ChannelPush = {
      streamId,
      pushers: new Map(),
      tap: (frame) => {
        for (const r of push.pushers.values()) r.pusher.frame(frame);
      },
      queue: Promise.resolve(),
      chunks: new SharedChunks(),
    };
    this.live.set(channel, push);
    void this.refresh(channel);
  }

  private stopStream(channel: string, streamId: string): void {
    const push = this.live.get(channel);
    if (!push || push.streamId !== streamId) return;
    this.live.delete(channel);
    this.opts.streams.byStreamId(streamId)?.taps.delete(push.tap);
    for (const r of push.pushers.values()) r.pusher.stop();
    push.pushers.clear();
  }

  private async reconcile(channel: string, push: ChannelPush): Promise<void> {
    const { channels, destinations, streams, logger } = this.opts;
    const row = await channels.byName(channel);
    const wanted = row ? (await destinations.list(row.id)).filter((d) => d.enabled && d.key !== null) : [];
    if (this.live.get(channel) !== push) return; // the stream ended meanwhile
    const ids = new Set(wanted.map((d) => d.id));
    for (const [id, r] of push.pushers) {
      if (ids.has(id)) continue;
      r.pusher.stop();
      push.pushers.delete(id);
    }
    const stream = streams.byStreamId(push.streamId);
    for (const d of wanted) {
      const fingerprint = fingerprintOf(d);
      const running = push.pushers.get(d.id);
      if (running?.fingerprint === fingerprint) {
        running.name = d.name;
        continue;
      }
      running?.pusher.stop();
      const host = destinationHost(d.url);
      const startup = [...(stream?.metadata ? [stream.metadata] : []), ...(stream?.sequenceHeaders ?? [])];
      const log = logger.child({ channel, destinationId: d.id, host });
      const limits = { ...(this.opts.limits ?? PUSHER_LIMITS), allowPrivateAddresses: this.opts.allowPrivateAddresses };
      const pusher = new DestinationPusher({ url: d.url, key: d.key as string }, log, startup, limits, push.chunks);
      push.pushers.set(d.id, { pusher, fingerprint, name: d.name, host });
    }
    // Tapped only while something is pushed: a stream without destinations keeps its ingest batching.
    if (push.pushers.size > 0) stream?.taps.add(push.tap);
    else stream?.taps.delete(push.tap);
  }

  private warn(channel: string, err: unknown): void {
    this.opts.logger.warn({ channel, err: (err as Error).message }, 'could not start restream destinations');
  }
}

function fingerprintOf(d: Destination): string {
  return `${d.url}\n${d.key}`;
}
