// Starts a whole Onair server from a config: database, media, RTMP, HTTP. main.ts and the end-to-end tests
// both use it, so tests run exactly what operators run.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl } from './access/access.js';
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
import { rtmpTotals } from './http/rtmp-totals.js';
import { PlayerTracker } from './http/viewers.js';
import type { Logger } from './log.js';
import { LiveStreams } from './media/live-streams.js';
import { RtmpServer } from './rtmp/server.js';
import { enforceAccessChanges } from './services/access-enforcement.js';
import { Retention } from './services/retention.js';
import { StreamLifecycle } from './services/stream-lifecycle.js';

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
  /** Follows: `followersOf(channelId)`, whom "went live" notices reach. */
  follows: FollowsRepo;
  rtmp: RtmpServer;
  http: FastifyInstance;
  chat: ChatService;
  /** Replay retention and crash recovery ('replay-deleted' events). */
  retention: Retention;
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
  const mediaDir = path.join(config.dataDir, 'media');
  await mkdir(mediaDir, { recursive: true });

  const db = await openDatabase({
    databaseUrl: config.databaseUrl || undefined,
    sqlitePath: path.join(config.dataDir, 'onair.db'),
    pgSchema: opts.pgSchema,
    logger,
  });
  const [users, tokens, channels, replays, follows, invites] = [
    new UsersRepo(db),
    new TokensRepo(db),
    new ChannelsRepo(db),
    new ReplaysRepo(db),
    new FollowsRepo(db),
    new InvitesRepo(db),
  ] as const;
  const secret = await loadServerSecret(config.secret, new SettingsRepo(db));
  const access = new AccessControl({ channels, follows, invites, tokens, users, secret });
  await access.start();
  // What takes access back reaches every process sharing the database (through Redis at once when configured).
  const accessChanges = new SharedAccessChangeBus({ db, redisUrl: config.redisUrl || undefined, logger: logger.child({ part: 'access' }) });
  const playerTracker = new PlayerTracker(secret);
  // Until chat is attached (it merges chat connections in), the count is the players alone.
  let countViewers = (channel: string) => playerTracker.clients(channel).length;
  const viewers = { touch: playerTracker.touch.bind(playerTracker), count: (channel: string) => countViewers(channel) };
  const streams = new LiveStreams({
    mediaDir,
    media: config.media,
    ffmpeg: locateFfmpeg({ explicit: config.media.ffmpegPath }),
    logger: logger.child({ part: 'media' }),
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

  const lifecycle = new StreamLifecycle({
    streams,
    channels,
    replays,
    follows,
    access,
    kick: (c, reason) => rtmp.kick(c, reason),
    forgetViewers: (c) => playerTracker.forget(c),
    logger,
  });
  const { replayRecorded } = lifecycle;
  const retention = new Retention({ replays, streams, media: config.media, replayRecorded, logger });
  const trust = trustedProxies(config.trustProxy);
  const http = await buildHttpApp({
    config,
    trust,
    logger: logger.child({ part: 'http' }),
    startedAt,
    accounts: new AccountsService(db),
    users,
    tokens,
    channels,
    replays,
    follows,
    invites,
    access,
    accessChanges,
    loginLimiter: new LoginRateLimiter({ maxFailures: LIMITS.loginFailures, windowMs: LIMITS.loginWindowSeconds * 1000 }),
    streams,
    retention,
    viewers,
    rtmp: rtmpTotals(rtmp),
    adminToken: config.adminToken || undefined,
  });
  // Live chat on the same HTTP server (socket.io at /socket.io), across processes when REDIS_URL is set.
  const chat = await attachChat({
    httpServer: http.server,
    db,
    logger: logger.child({ part: 'chat' }),
    redisUrl: config.redisUrl || undefined,
    ipHashSalt: secret,
    identify: (h) => access.resolveIdentity(h),
    canJoin: (identity, channelName) => access.watchDecision(identity, channelName),
    players: { clients: (c) => playerTracker.clients(c), channels: () => [...playerTracker.channels(), ...streams.list().map((s) => s.channel)] },
    clientAddress: (req) => clientAddress(req, trust),
    allowOrigin: originCheck(config.publicUrl, config.allowedOrigins, trust),
    publishAccessChange: (change) => accessChanges.publish(change),
  });
  countViewers = chat.viewers;
  lifecycle.announceIn(chat);
  enforceAccessChanges({
    bus: accessChanges,
    access,
    chat,
    rtmp,
    playerStillAllowed: players.stillAllowed,
    keyReset: (c) => publishers.keyReset(c),
    logger,
  });
  await accessChanges.start();

  // Listeners open once every part is wired. A deep accept queue: a thousand players connecting at once must not see resets.
  const { port: rtmpPort } = await rtmp.listen();
  await http.listen({ host: config.httpHost, port: config.httpPort, backlog: 4096 });
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
  // Ephemeral ports (0, as in tests): the URLs shown to people use the ports actually bound.
  if (config.httpPort === 0) config.publicUrl = config.publicUrl.replace(/:0(?=\/|$)/, `:${httpPort}`);
  if (config.rtmpPort === 0) config.rtmpPublicUrl = config.rtmpPublicUrl.replace(/:0(?=\/|$)/, `:${rtmpPort}`);
  retention.start();
  logger.info({ httpPort, rtmpPort, dataDir: config.dataDir, database: db.dialect }, 'onair server started');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      retention.stop();
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
  };
  const { sweep: sweepReplays, recoverInterrupted } = retention;
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
    retention,
    replayRecorded,
    sweepReplays,
    recoverInterrupted,
    close,
  };
}
