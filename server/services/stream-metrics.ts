// The dashboard's history: every few seconds, each stream live on THIS process (so in cluster mode only its origin)
// is sampled (viewers as the API counts them, incoming bitrate and frame rate since the previous sample, people's
// chat messages in the interval) and its health changes are noted as events (publisher lost, publisher back
// within the grace period, keyframes too rare). Stored through StreamMetricsRepo, read by GET /api/me/streams.
import type { StreamEventKind } from '../api/types.js';
import type { ChannelsRepo } from '../db/channels.js';
import type { StreamMetricsRepo } from '../db/stream-metrics.js';
import type { Logger } from '../log.js';
import type { LiveStream } from '../media/live-stream.js';
import type { LiveStreams } from '../media/live-streams.js';
import { every, type StopJob } from '../periodic.js';

export interface StreamMetricsOptions {
  streams: Pick<LiveStreams, 'list' | 'on'>;
  channels: Pick<ChannelsRepo, 'byName'>;
  metrics: StreamMetricsRepo;
  /** The channel's viewers, as GET /api/channels/:name shows them. */
  viewers(channel: string): number;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

/** What the previous sample of a stream saw. */
interface Baseline {
  channelId: number;
  at: number;
  bytesIn: number;
  videoFrames: number;
  state: 'live' | 'waiting';
  discontinuities: number;
  keyframeWarned: boolean;
}

export class StreamMetricsSampler {
  private readonly seen = new Map<string, Baseline>();
  private stopTimer?: StopJob;
  private running?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly opts: StreamMetricsOptions) {
    this.now = opts.now ?? Date.now;
    // A stream that ended with nothing playable has no replay to keep its charts with.
    opts.streams.on('ended-empty', ({ streamId }) => {
      this.seen.delete(streamId);
      opts.metrics.remove(streamId).catch((err) => opts.logger.warn({ streamId, err: (err as Error).message }, 'could not drop stream metrics'));
    });
  }

  start(): void {
    if (this.stopTimer) return;
    this.stopTimer = every(this.opts.intervalMs, () => void this.sample());
  }

  /** Stops sampling; resolves once a sample being written is done. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.running;
  }

  /** Takes one sample of every live stream now (the timer calls it; a sample still running is not overlapped). */
  sample(): Promise<void> {
    this.running ??= this.sampleAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sampleAll(): Promise<void> {
    const live = this.opts.streams.list();
    const ids = new Set(live.map((s) => s.streamId));
    for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
    for (const stream of live) {
      try {
        await this.sampleOne(stream);
      } catch (err) {
        this.opts.logger.warn({ channel: stream.channel, streamId: stream.streamId, err: (err as Error).message }, 'stream sample failed');
      }
    }
  }

  private async sampleOne(s: LiveStream): Promise<void> {
    const { metrics } = this.opts;
    const now = this.now();
    // The stream as it is now, before any write: the publisher may leave or come back while this sample is written,
    // and that change belongs to the next sample (read after the writes, it was never noted at all).
    const current = { bytesIn: s.bytesIn, videoFrames: s.videoFrames, state: s.state, discontinuities: s.discontinuities };
    let prev = this.seen.get(s.streamId);
    if (!prev) {
      const channel = await this.opts.channels.byName(s.channel);
      if (!channel) return;
      // The first sample covers the stream from its start.
      prev = { channelId: channel.id, at: s.startedAt, bytesIn: 0, videoFrames: 0, state: 'live', discontinuities: 0, keyframeWarned: false };
    }
    const seconds = Math.max(0.001, (now - prev.at) / 1000);
    const events: Array<[StreamEventKind, string]> = [];
    if (current.discontinuities > prev.discontinuities) {
      // Lost and back between two samples is still a reconnect.
      if (prev.state === 'live') events.push(['publisher-lost', 'The encoder’s connection dropped.']);
      events.push(['publisher-returned', 'The encoder reconnected within the grace period.']);
    } else if (current.state === 'waiting' && prev.state === 'live') {
      events.push(['publisher-lost', 'The encoder’s connection dropped; waiting for it to come back.']);
    }
    const warning = s.keyframes.summary().warning;
    if (warning && !prev.keyframeWarned) {
      events.push(['keyframe-warning', `Keyframes every ${warning.intervalSeconds.toFixed(1)} s: set the encoder’s keyframe interval lower.`]);
    }
    const video = current.videoFrames > 0 || s.info().video;
    await metrics.addSample(s.streamId, prev.channelId, {
      at: now,
      viewers: this.opts.viewers(s.channel),
      bitrateKbps: Math.round(((current.bytesIn - prev.bytesIn) * 8) / seconds / 1000),
      fps: video ? Math.round(((current.videoFrames - prev.videoFrames) / seconds) * 10) / 10 : null,
      chatMessages: await metrics.chatMessagesBetween(prev.channelId, prev.at, now),
    });
    for (const [kind, detail] of events) await metrics.addEvent(s.streamId, prev.channelId, { at: now, kind, detail });
    this.seen.set(s.streamId, {
      channelId: prev.channelId,
      at: now,
      ...current,
      keyframeWarned: prev.keyframeWarned || !!warning,
    });
  }
}
