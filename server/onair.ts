// Starts a whole Onair server from a config: database, media, RTMP, HTTP. main.ts and the end-to-end tests
// both use it, so tests run exactly what operators run.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl, channelAccessInfo } from './access/access.js';
import { SharedAccessChangeBus } from './access/change-bus.js';
import { PublishAuthorizer } from './access/publishers.js';
import { rtmpPlayAccess } from './access/rtmp-players.js';
import type { AccessChangeBus } from './access/changes.js';
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
import { originCheck } from './http/cross-site.js';
import { clientAddress, trustedProxies } from './http/client-address.js';
import type { RtmpTotals } from './http/deps.js';
import { ViewerCounter } from './http/viewers.js';
import type { Logger } from './log.js';
import { LiveStreams, type StreamEnded } from './media/live-streams.js';
import { RtmpServer } from './rtmp/server.js';

export interface OnairServer {
  config: OnairConfig;
  httpPort: number;
  rtmpPort: number;
  db: Db;
  streams: LiveStreams;
  /** Identities and who may watch what: chat resolves its connections and installs its ban check here. */
  access: AccessControl;
  /** Where changes that take access back are published (tests listen here). */
  accessChanges: AccessChangeBus;
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
  // What takes access back reaches every process sharing the database (through Redis at once when configured).
  const accessChanges = new SharedAccessChangeBus({ db, redisUrl: config.redisUrl || undefined, logger: logger.child({ part: 'access' }) });
  const loginLimiter = new LoginRateLimiter({ maxFailures: LIMITS.loginFailures, windowMs: LIMITS.loginWindowSeconds * 1000 });
  const viewers = new ViewerCounter();

  const streams = new LiveStreams({ mediaDir, media: config.media, ffmpeg: locateFfmpeg({ explicit: config.media.ffmpegPath }), logger: logger.child({ part: 'media' }) });

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

  const publishers = new PublishAuthorizer({ channels, streams, kick: (channel, reason) => rtmp.kick(channel, reason), logger });

  const players = rtmpPlayAccess(access);
  const rtmp = new RtmpServer({
    host: config.rtmpHost,
    port: config.rtmpPort,
    hooks: { authorizePublish: publishers.authorize, authorizePlay: players.authorize },
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
    adminToken: config.adminToken || undefined,
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
    allowOrigin: originCheck(config.publicUrl, config.allowedOrigins, trust),
    publishAccessChange: (change) => accessChanges.publish(change),
  });
  // A banned chatter cannot come back through another invite, nor keep a private channel's media.
  access.setBanCheck((channelId, who) => chat.isBanned(channelId, { userId: who.userId, guestId: who.guestId, address: who.guestIp }));
  // Access taken back, here or on another process: cached answers go, and every door drops who lost it.
  accessChanges.subscribe((change) => {
    access.applyChange(change);
    chat.recheckAccess(change).catch((err) => logger.warn({ err: (err as Error).message, kind: change.kind }, 'chat access re-check failed'));
    for (const channel of rtmp.liveChannels()) {
      rtmp.dropPlayers(channel, async (query) => !(await players.stillAllowed(channel, query))).catch((err) => {
        logger.warn({ err: (err as Error).message, channel }, 'rtmp player access re-check failed');
      });
    }
    if (change.kind === 'stream-key-reset') {
      publishers.keyReset(change.channel).catch((err) => logger.warn({ err: (err as Error).message, channel: change.channel }, 'stream key re-check failed'));
    }
  });
  await accessChanges.start();
  // Stream start and end reach the chat room, and followers get a "went live" notice.
  streams.on('live', ({ channel: name }: { channel: string }) => {
    void (async () => {
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
    accessChanges,
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
        await accessChanges.close();
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
