// The streamer's dashboard: the caller's live and past streams with peak and average viewers, and each one's
// samples and health events (written by services/stream-metrics.ts). Owner only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MyStream, MyStreams, StreamEventKind, StreamMetrics } from '../api/types.js';
import type { Channel } from '../db/models.js';
import { requireUser } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError } from './errors.js';
import { liveStreamStats } from './live-stats.js';

/** Past streams listed (the newest). */
const PAST_STREAMS = 50;

export function registerDashboardRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const intervalSeconds = deps.config.metricsIntervalSeconds;

  async function myChannel(req: FastifyRequest): Promise<Channel> {
    const { userId } = await requireUser(req, deps);
    const channel = await deps.channels.byUserId(userId);
    if (!channel) throw new HttpError(404, 'not_found', 'This account has no channel.');
    return channel;
  }

  /** The channel's live stream, on this node or (cluster mode) another. */
  async function liveStream(channel: Channel): Promise<MyStream | null> {
    const local = deps.streams.get(channel.name);
    const stats = local ? null : (await liveStreamStats(deps)).find((s) => s.channel === channel.name);
    const id = local?.streamId ?? stats?.streamId;
    if (!id) return null;
    const startedAt = local?.startedAt ?? Date.now() - (stats?.uptimeSeconds ?? 0) * 1000;
    return {
      id,
      live: true,
      title: channel.title || `${channel.name} live`,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: null,
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      peakViewers: 0,
      averageViewers: 0,
    };
  }

  async function myStreams(channel: Channel): Promise<MyStream[]> {
    const live = await liveStream(channel);
    const past: MyStream[] = (await deps.replays.listByChannel(channel.id, PAST_STREAMS)).map((r) => ({
      id: r.id,
      live: false,
      title: r.title,
      startedAt: new Date(r.startedAt).toISOString(),
      endedAt: new Date(r.endedAt).toISOString(),
      durationSeconds: Math.round(r.durationSeconds),
      peakViewers: 0,
      averageViewers: 0,
    }));
    const all = live ? [live, ...past.filter((p) => p.id !== live.id)] : past;
    const summaries = await deps.streamMetrics.viewerSummaries(
      channel.id,
      all.map((s) => s.id),
    );
    return all.map((s) => {
      const v = summaries.get(s.id);
      return v ? { ...s, peakViewers: v.peak, averageViewers: Math.round(v.average * 10) / 10 } : s;
    });
  }

  app.get('/api/me/streams', async (req) => {
    const channel = await myChannel(req);
    const body: MyStreams = { streams: await myStreams(channel), intervalSeconds };
    return body;
  });

  app.get<{ Params: { id: string } }>('/api/me/streams/:id/metrics', async (req) => {
    const channel = await myChannel(req);
    const id = req.params.id;
    // Someone else's stream answers as an unknown one: no probing of stream ids.
    const stream = (await myStreams(channel)).find((s) => s.id === id);
    if (!stream) throw new HttpError(404, 'not_found', 'No such stream on your channel (its history goes when its replay is deleted).');
    const [samples, events] = await Promise.all([deps.streamMetrics.samples(id, channel.id), deps.streamMetrics.events(id, channel.id)]);
    const startedAt = Date.parse(stream.startedAt);
    const body: StreamMetrics = {
      stream,
      series: {
        at: samples.map((s) => s.at),
        viewers: samples.map((s) => s.viewers),
        bitrateKbps: samples.map((s) => s.bitrateKbps),
        fps: samples.map((s) => s.fps),
        chatPerMinute: samples.map((s, i) => {
          const minutes = Math.max(1 / 60, (s.at - (i > 0 ? samples[i - 1].at : startedAt)) / 60_000);
          return Math.round((s.chatMessages / minutes) * 10) / 10;
        }),
      },
      events: events.map((e) => ({ at: e.at, kind: e.kind as StreamEventKind, detail: e.detail })),
    };
    return body;
  });
}
