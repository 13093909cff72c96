// Operator endpoints: /healthz, /stat (nginx-rtmp XML), /api/stats (JSON), /metrics (Prometheus).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerStats } from '../api/types.js';
import { isOperator } from './auth.js';
import type { HttpDeps } from './deps.js';
import { HttpError } from './errors.js';
import { liveStreamStats } from './live-stats.js';
import { renderMetrics } from './metrics.js';
import { renderStatXml, type StatSnapshot } from './stat-xml.js';

export const ONAIR_VERSION = '0.1.0';

export function registerOpsRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const streamStats = () => liveStreamStats(deps);

  const guard = async (req: FastifyRequest) => {
    if (!(await isOperator(req, deps)))
      throw new HttpError(
        403,
        'forbidden',
        'Stats are open to this machine, to admin accounts signed in, and with the admin token (ONAIR_ADMIN_TOKEN).',
      );
  };

  app.get('/healthz', async () => {
    const origins = deps.cluster?.origins;
    return {
      ok: true,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      // Cluster mode: with Redis unreachable the node serves only what it has, as one process would.
      ...(origins && { cluster: { node: origins.nodeId, redis: origins.degraded ? 'unreachable' : 'ok' } }),
    };
  });

  app.get('/api/stats', async (req) => {
    await guard(req);
    const streams = await streamStats();
    const body: ServerStats = {
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      streams,
      totals: {
        streams: streams.length,
        viewers: streams.reduce((a, s) => a + s.viewers, 0),
        bytesIn: streams.reduce((a, s) => a + s.bytesIn, 0),
        bandwidthInBps: streams.reduce((a, s) => a + s.bitrateKbps * 1000, 0),
      },
    };
    return body;
  });

  app.get('/stat', async (req: FastifyRequest, reply: FastifyReply) => {
    await guard(req);
    const rtmp = deps.rtmp();
    const snapshot: StatSnapshot = {
      version: ONAIR_VERSION,
      pid: process.pid,
      uptimeSeconds: (Date.now() - deps.startedAt) / 1000,
      naccepted: rtmp.naccepted,
      bwIn: rtmp.bwIn,
      bwOut: rtmp.bwOut,
      bytesIn: rtmp.bytesIn,
      bytesOut: rtmp.bytesOut,
      app: 'live',
      streams: (await streamStats()).map((s) => ({ ...s, clients: rtmp.clients(s.channel), ...rtmp.channelBytesOut(s.channel) })),
    };
    return reply.type('text/xml; charset=utf-8').header('cache-control', 'no-cache').send(renderStatXml(snapshot));
  });

  app.get('/metrics', async (req, reply) => {
    await guard(req);
    const streams = await streamStats();
    const rtmp = deps.rtmp();
    const mem = process.memoryUsage();
    const media = deps.streams.mediaMemory();
    const text = renderMetrics([
      {
        name: 'onair_uptime_seconds',
        help: 'Seconds since the server started.',
        type: 'gauge',
        samples: [{ value: Math.round((Date.now() - deps.startedAt) / 1000) }],
      },
      { name: 'onair_live_streams', help: 'Streams on air or waiting for their publisher.', type: 'gauge', samples: [{ value: streams.length }] },
      { name: 'onair_rtmp_connections', help: 'Open RTMP connections.', type: 'gauge', samples: [{ value: rtmp.connections }] },
      { name: 'onair_rtmp_accepted_total', help: 'RTMP connections accepted.', type: 'counter', samples: [{ value: rtmp.naccepted }] },
      {
        name: 'onair_rtmp_refused_total',
        help: 'RTMP connections refused by the connection caps (in total or per address).',
        type: 'counter',
        samples: [{ value: rtmp.nrefused }],
      },
      { name: 'onair_rtmp_bytes_in_total', help: 'Bytes received over RTMP.', type: 'counter', samples: [{ value: rtmp.bytesIn }] },
      { name: 'onair_rtmp_bytes_out_total', help: 'Bytes sent over RTMP.', type: 'counter', samples: [{ value: rtmp.bytesOut }] },
      {
        name: 'onair_stream_viewers',
        help: 'Viewers per channel: people with a player or chat open, each once.',
        type: 'gauge',
        samples: streams.map((s) => ({ labels: { channel: s.channel }, value: s.viewers })),
      },
      {
        name: 'onair_stream_bitrate_kbps',
        help: 'Incoming bitrate per channel.',
        type: 'gauge',
        samples: streams.map((s) => ({ labels: { channel: s.channel }, value: s.bitrateKbps })),
      },
      {
        name: 'onair_stream_segments',
        help: 'Segments written per channel.',
        type: 'gauge',
        samples: streams.map((s) => ({ labels: { channel: s.channel }, value: s.segments })),
      },
      { name: 'onair_process_resident_bytes', help: 'Resident memory of the server process.', type: 'gauge', samples: [{ value: mem.rss }] },
      {
        name: 'onair_media_slab_bytes',
        help: "Publishers' media memory: slabs holding frames (in_use) and slabs kept for reuse (free).",
        type: 'gauge',
        samples: [
          { labels: { state: 'in_use' }, value: media.inUseBytes },
          { labels: { state: 'free' }, value: media.freeBytes },
        ],
      },
      {
        name: 'onair_media_slabs_allocated_total',
        help: 'Media slabs allocated from the system (the rest were reused from the pool).',
        type: 'counter',
        samples: [{ value: media.allocated }],
      },
      ...(deps.cluster
        ? [
            {
              name: 'onair_cluster_upstream_requests_total',
              help: 'Requests this node made to other nodes for media of channels live there.',
              type: 'counter' as const,
              samples: [{ value: deps.cluster.fetcher.upstreamRequests }],
            },
          ]
        : []),
    ]);
    return reply.type('text/plain; version=0.0.4').send(text);
  });
}
