// Starts a whole Onair server from a config: database, media, RTMP, HTTP. main.ts and the end-to-end tests
// both use it, so tests run exactly what operators run.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl } from './access/access.js';
import { LocalAccessChangeBus } from './access/changes.js';
import { attachChat, type ChatService } from './chat/index.js';
import { loadServerSecret } from './access/secret.js';
import { LIMITS, type OnairConfig } from './config.js';
import { AccountsService } from './db/accounts.js';
import { TokensRepo } from './db/auth-tokens.js';
import { ChannelsRepo } from './db/channels.js';
import { openDatabase, type Db } from './db/database.js';
import { LoginRateLimiter } from './db/rate-limit.js';
import { ReplaysRepo } from './db/replays.js';
import { FollowsRepo, InvitesRepo, SettingsRepo } from './db/social.js';
import { UsersRepo } from './db/users.js';
import { locateFfmpeg } from './ffmpeg/locate.js';
import { buildHttpApp } from './http/app.js';
import { clientAddress, trustedProxies } from './http/client-address.js';
import type { RtmpTotals } from './http/deps.js';
import { ViewerCounter } from './http/viewers.js';
import type { Logger } from './log.js';
import { LiveStreams, type StreamEnded } from './media/live-streams.js';
import { RtmpServer } from './rtmp/server.js';
import type { PlayDecision, PlayRequest, PublishDecision, PublishRequest } from './rtmp/types.js';

/** How often live publishers' keys are checked against the database. */
const KEY_RECHECK_MS = 3000;

export interface OnairServer {
  config: OnairConfig;
  httpPort: number;
  rtmpPort: number;
  db: Db;
  streams: LiveStreams;
  /** Identities and who may watch what: chat resolves its connections and installs its ban check here. */
  access: AccessControl;
  /** Follows: `followersOf(channelId)` for "went live" notifications (with streams.on('live')). */
  follows: FollowsRepo;
  rtmp: RtmpServer;
  http: FastifyInstance;
  chat: ChatService;
  /** Applies replay retention now (it also runs every LIMITS.retentionSweepSeconds). */
  sweepReplays(): Promise<void>;
  /**
   * Turns streams a previous process left unfinished into replays now (it also runs at start and with every sweep,
   * for folders quiet for LIMITS.interruptedStreamQuietSeconds); resolves once their replays are recorded.
   */
  recoverInterrupted(quietMs?: number): Promise<string[]>;
  /** Resolves when a stream's replay has been recorded (tests wait on it). */
  replayRecorded: (streamId: string) => Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  adminToken?: string;
  /** Tests only: PostgreSQL schema to create and use, so test servers do not share tables. */
  pgSchema?: string;
}

export async function startOnair(config: OnairConfig, logger: Logger, opts: StartOptions = {}): Promise<OnairServer> {
  const startedAt = Date.now();
  await mkdir(config.dataDir, { recursive: true });
  const mediaDir = path.join(config.dataDir, 'media');
  await mkdir(mediaDir, { recursive: true });

  const db = await openDatabase({ databaseUrl: config.databaseUrl || undefined, sqlitePath: path.join(config.dataDir, 'onair.db'), pgSchema: opts.pgSchema, logger });
  const users = new UsersRepo(db);
  const tokens = new TokensRepo(db);
  const channels = new ChannelsRepo(db);
  const replays = new ReplaysRepo(db);
  const accounts = new AccountsService(db);
  const follows = new FollowsRepo(db);
  const invites = new InvitesRepo(db);
  const secret = await loadServerSecret(config.secret, new SettingsRepo(db));
  const access = new AccessControl({ channels, follows, invites, tokens, users, secret });
  await access.start();
  const accessChanges = new LocalAccessChangeBus();
  const loginLimiter = new LoginRateLimiter({ maxFailures: LIMITS.loginFailures, windowMs: LIMITS.loginWindowSeconds * 1000 });
  const viewers = new ViewerCounter();

  const streams = new LiveStreams({ mediaDir, media: config.media, ffmpeg: locateFfmpeg({ explicit: config.media.ffmpegPath || undefined }), logger: logger.child({ part: 'media' }) });

  // A stream that ends becomes a replay of its channel.
  const recorded = new Map<string, () => void>();
  const recordedPromises = new Map<string, Promise<void>>();
  const replayRecorded = (streamId: string) => {
    let p = recordedPromises.get(streamId);
    if (!p) {
      p = new Promise<void>((resolve) => recorded.set(streamId, resolve));
      recordedPromises.set(streamId, p);
    }
    return p;
  };
  streams.on('ended', (ended: StreamEnded) => {
    void (async () => {
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
        viewers.forget(ended.channel);
        replayRecorded(ended.streamId);
        recorded.get(ended.streamId)?.();
      }
    })();
  });
  // A packager that kept failing ended its stream: drop the publisher so its encoder reconnects to a fresh one.
  streams.on('failed', ({ channel }: { channel: string }) => {
    rtmp.kick(channel, 'packaging failed');
  });
  streams.on('ended-empty', ({ streamId }: { streamId: string }) => {
    replayRecorded(streamId);
    recorded.get(streamId)?.();
  });

  // The key each live publisher used, so a key regenerated elsewhere (the CLI, another server process) drops
  // its publisher too. Kept in memory only.
  const publisherKeys = new Map<string, string>();
  const keyCheck = setInterval(() => {
    void (async () => {
      for (const [channelName, key] of publisherKeys) {
        if (!streams.isPublishing(channelName)) {
          publisherKeys.delete(channelName);
          continue;
        }
        const owner = await channels.byStreamKey(key).catch(() => undefined);
        if (owner === null || (owner && owner.name !== channelName)) {
          publisherKeys.delete(channelName);
          rtmp.kick(channelName, 'stream key regenerated');
        }
      }
    })();
  }, KEY_RECHECK_MS);
  keyCheck.unref();

  const authorizePublish = async (req: PublishRequest): Promise<PublishDecision> => {
    if (req.app !== 'live') return { ok: false, code: 'bad_app', reason: 'Publish to the "live" application: rtmp://HOST/live with your stream key.' };
    const channel = req.streamKey ? await channels.byStreamKey(req.streamKey) : null;
    if (!channel) {
      logger.warn({ connectionId: req.connectionId, address: req.remoteAddress }, 'publish refused: unknown stream key');
      return { ok: false, code: 'bad_name', reason: 'Unknown stream key. Copy the current key from your channel settings.' };
    }
    if (streams.isPublishing(channel.name)) {
      return { ok: false, code: 'already_live', reason: 'This channel is already live from another encoder.' };
    }
    const sink = await streams.open(channel.name, req.remoteAddress);
    publisherKeys.set(channel.name, req.streamKey);
    logger.info({ channel: channel.name, connectionId: req.connectionId, address: req.remoteAddress }, 'publisher accepted');
    return { ok: true, channel: channel.name, sink };
  };

  // RTMP play asks the one access decision HTTP media asks: public channels play; others need `?t=<media token>`
  // on the stream name. Access comes before liveness, as for HTTP: whether a private channel is live is private.
  const authorizePlay = async (req: PlayRequest): Promise<PlayDecision> => {
    if (req.app !== 'live') return { ok: false, code: 'not_found', reason: 'Play from the "live" application: rtmp://HOST/live/<channel>.' };
    const info = req.name.length <= 64 ? await access.channel(req.name) : null;
    if (!info) return { ok: false, code: 'not_found', reason: 'No such channel is live.' };
    const mediaToken = new URLSearchParams(req.query).get('t') ?? undefined;
    if (!(await access.mediaAllowed(info, { mediaToken }))) {
      return { ok: false, code: 'forbidden', reason: `${info.name} is a private channel: play it with a media link (rtmp://HOST/live/${info.name}?t=<media token>).` };
    }
    return { ok: true, channel: info.name };
  };

  const rtmp = new RtmpServer({
    host: config.rtmpHost,
    port: config.rtmpPort,
    hooks: { authorizePublish, authorizePlay },
    logger: logger.child({ part: 'rtmp' }),
    limits: { maxConnectionsPerAddress: config.rtmpMaxPerAddress },
  });
  const { port: rtmpPort } = await rtmp.listen();

  const rtmpTotals = (): RtmpTotals => {
    const s = rtmp.stats();
    return {
      naccepted: s.naccepted,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      bwIn: s.bwIn,
      bwOut: s.bwOut,
      connections: s.connections,
      clients: (channel) => {
        const st = s.streams.find((x) => x.channel === channel);
        if (!st) return [];
        return [
          ...(st.publisher ? [{ id: st.publisher.id, address: st.publisher.address, timeMs: st.publisher.timeMs, flashver: st.publisher.flashver, publishing: true }] : []),
          ...st.players.map((p) => ({ id: p.id, address: p.address, timeMs: p.timeMs, flashver: p.flashver, publishing: false, bytesOut: p.bytesOut })),
        ];
      },
      channelBytesOut: (channel) => {
        const st = s.streams.find((x) => x.channel === channel);
        return { bytesOut: st?.bytesOut ?? 0, bwOut: st?.bwOut ?? 0 };
      },
    };
  };

  const trust = trustedProxies(config.trustProxy);
  const http = await buildHttpApp({
    config,
    trust,
    logger: logger.child({ part: 'http' }),
    startedAt,
    accounts,
    users,
    tokens,
    channels,
    replays,
    follows,
    invites,
    access,
    accessChanges,
    loginLimiter,
    streams,
    viewers,
    rtmp: rtmpTotals,
    kickPublisher: (channel) => rtmp.kick(channel, 'stream key regenerated'),
    adminToken: opts.adminToken,
  });
  // Live chat on the same HTTP server (socket.io at /socket.io), across processes when REDIS_URL is set.
  const chat = await attachChat({
    httpServer: http.server,
    db,
    logger: logger.child({ part: 'chat' }),
    redisUrl: config.redisUrl || undefined,
    identify: (h) => access.resolveIdentity(h),
    canJoin: (identity, channelName) => access.watchDecision(identity, channelName),
    viewerCount: (channel) => viewers.count(channel),
    ipHashSalt: secret,
    clientAddress: (req) => clientAddress(req, trust),
  });
  // A banned chatter cannot come back through another invite.
  access.setBanCheck((channelId, who) => chat.isBanned(channelId, { userId: who.userId, guestId: who.guestId, address: who.guestIp }));
  // Stream start and end reach the chat room, and followers get a "went live" notice.
  streams.on('live', ({ channel: name }: { channel: string }) => {
    void (async () => {
      try {
        const channel = await channels.byName(name);
        if (!channel) return;
        await chat.streamStarted(name, channel.title);
        const followers = await follows.followersOf(channel.id);
        if (followers.length) chat.notifyUsers(followers, { kind: 'followed-live', channel: name, title: channel.title });
      } catch (err) {
        logger.warn({ channel: name, err: (err as Error).message }, 'could not announce stream start');
      }
    })();
  });
  streams.on('ended', ({ channel }: StreamEnded) => {
    chat.streamEnded(channel).catch((err) => logger.warn({ channel, err: (err as Error).message }, 'could not announce stream end'));
  });

  // A deep accept queue: a thousand players connecting at once must not see resets.
  await http.listen({ host: config.httpHost, port: config.httpPort, backlog: 4096 });
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
  // Ephemeral ports (0, as in tests): the URLs shown to people use the ports actually bound.
  if (config.httpPort === 0) config.publicUrl = config.publicUrl.replace(/:0(?=\/|$)/, `:${httpPort}`);
  if (config.rtmpPort === 0) config.rtmpPublicUrl = config.rtmpPublicUrl.replace(/:0(?=\/|$)/, `:${rtmpPort}`);

  // Replay retention: by age and by total bytes, oldest first.
  const sweep = async () => {
    try {
      const m = config.media;
      const ids = await replays.expired({
        olderThanMs: m.replayRetentionDays > 0 ? m.replayRetentionDays * 86400_000 : undefined,
        maxTotalBytes: m.replayRetentionBytes > 0 ? m.replayRetentionBytes : undefined,
      });
      for (const id of ids) {
        await replays.markDeleted(id);
        await streams.deleteFiles(id);
        streams.emit('replay-deleted', id);
      }
      if (ids.length) logger.info({ deleted: ids.length }, 'replay retention sweep');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'replay retention sweep failed');
    }
  };
  // Streams a previous run left unfinished (a crash, a kill) become replays too; then retention applies.
  const recoverInterrupted = async (quietMs = LIMITS.interruptedStreamQuietSeconds * 1000): Promise<string[]> => {
    const isRecorded = async (id: string) => (await replays.byId(id, { includeDeleted: true })) !== null;
    const recovered = await streams.recoverInterrupted(isRecorded, quietMs);
    await Promise.all(recovered.map((r) => replayRecorded(r.streamId)));
    return recovered.map((r) => r.streamId);
  };
  const recoverAndSweep = async () => {
    await recoverInterrupted().catch((err) => logger.error({ err: (err as Error).message }, 'recovering interrupted streams failed'));
    await sweep();
  };
  const sweepTimer = setInterval(() => void recoverAndSweep(), LIMITS.retentionSweepSeconds * 1000);
  sweepTimer.unref();
  // Once at start, and once more when folders touched just before a crash have been quiet long enough.
  void recoverAndSweep();
  const recoverTimer = setTimeout(() => void recoverAndSweep(), LIMITS.interruptedStreamQuietSeconds * 1000 + 5000);
  recoverTimer.unref();

  logger.info({ httpPort, rtmpPort, dataDir: config.dataDir, database: db.dialect }, 'onair server started');

  let closing: Promise<void> | undefined;
  return {
    config,
    httpPort,
    rtmpPort,
    db,
    streams,
    access,
    follows,
    rtmp,
    http,
    chat,
    replayRecorded,
    sweepReplays: sweep,
    recoverInterrupted,
    close() {
      closing ??= (async () => {
        clearInterval(sweepTimer);
        clearTimeout(recoverTimer);
        clearInterval(keyCheck);
        await rtmp.close();
        await streams.close();
        // Let 'ended' handlers record their replays before the database closes.
        await new Promise((r) => setTimeout(r, 50));
        await chat.close();
        await http.close();
        await db.close();
        logger.info('onair server stopped');
      })();
      return closing;
    },
  };
}
