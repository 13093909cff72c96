// Starts a whole Onair server from a config: database, media, RTMP, HTTP. main.ts and the end-to-end tests
// both use it, so tests run exactly what operators run.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import { AccessControl } from './access/access.js';
import { SharedAccessChangeBus } from './access/change-bus.js';
import { PublishAuthorizer } from './access/publishers.js';
import { rtmpPlayAccess } from './access/rtmp-players.js';
import type { AccessChangeBus } from './access/changes.js';
import { attachChat, type ChatService } from './chat/index.js';
import { ChatCommunity } from './chat/community.js';
import { ChatRepo } from './db/chat.js';
import { inviteTokenSeal, secretSeal } from './access/invite-seal.js';
import { loadServerSecret } from './access/secret.js';
import { adoptBoundPorts, LIMITS, readTlsFiles, type OnairConfig } from './config.js';
import { AccountsService } from './db/accounts.js';
import { TokensRepo } from './db/auth-tokens.js';
import { ChannelsRepo } from './db/channels.js';
import { openDatabase, type Db } from './db/database.js';
import { LocalRateWindows, LoginRateLimiter, type RateWindows } from './db/rate-limit.js';
import { ReplaysRepo } from './db/replays.js';
import { InvitesRepo } from './db/invites.js';
import { FollowsRepo, SettingsRepo } from './db/social.js';
import { UsersRepo } from './db/users.js';
import { WebhooksRepo } from './db/webhooks.js';
import { DestinationsRepo } from './db/destinations.js';
import { RestreamService } from './restream/service.js';
import { locateFfmpeg } from './ffmpeg/locate.js';
import { listenWithAcceptFan } from './http/accept-fan.js';
import { buildHttpApp } from './http/app.js';
import { clusterMode, joinCluster, recordStreams } from './cluster/cluster.js';
import { RedisRateWindows } from './cluster/rate-windows.js';
import { originCheck } from './http/cross-site.js';
import { configuredBase } from './http/urls.js';
import { clientAddress, trustedProxies } from './http/client-address.js';
import { rtmpTotals } from './http/rtmp-totals.js';
import { PlayerTracker } from './http/viewers.js';
import type { Logger } from './log.js';
import { LiveStreams } from './media/live-streams.js';
import { RtmpServer } from './rtmp/server.js';
import { SrtListener } from './srt/listener.js';
import { enforceAccessChanges } from './services/access-enforcement.js';
import { Retention } from './services/retention.js';
import { ChatRetention } from './services/chat-retention.js';
import { StreamLifecycle } from './services/stream-lifecycle.js';
import { StreamMetricsSampler } from './services/stream-metrics.js';
import { SystemMetrics } from './services/system-metrics.js';
import { StreamMetricsRepo } from './db/stream-metrics.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';

export interface OnairServer {
  config: OnairConfig;
  httpPort: number;
  rtmpPort: number;
  /** The RTMPS port bound, when RTMPS is on. */
  rtmpsPort?: number;
  /** The SRT (UDP) port bound, when SRT is on. */
  srtPort?: number;
  db: Db;
  streams: LiveStreams;
  /** Identities and who may watch what: chat resolves its connections and installs its ban check here. */
  access: AccessControl;
  /** Where changes that take access back are published (tests listen here). */
  accessChanges: AccessChangeBus;
  /** Follows: `followersOf(channelId)`, whom "went live" notices reach. */
  follows: FollowsRepo;
  rtmp: RtmpServer;
  /** SRT ingest, when on: its publishers are in the RTMP server's relay (kick, stats, RTMP players). */
  srt: SrtListener | null;
  http: FastifyInstance;
  chat: ChatService;
  /** Replay retention and crash recovery ('replay-deleted' events). */
  retention: Retention;
  /** Chat retention (ONAIR_CHAT_RETENTION_DAYS): sweep() deletes old messages now. */
  chatRetention: ChatRetention;
  /** Applies replay retention now (it also runs every LIMITS.retentionSweepSeconds). */
  sweepReplays(): Promise<void>;
  /**
   * Turns streams a previous process left unfinished into replays now (it also runs at start and with every sweep,
   * for folders quiet for LIMITS.interruptedStreamQuietSeconds); resolves once their replays are recorded.
   */
  recoverInterrupted(quietMs?: number): Promise<string[]>;
  /** Resolves when a stream's replay has been recorded (tests wait on it). */
  replayRecorded: (streamId: string) => Promise<void>;
  /** Channels' outgoing webhooks, delivered on stream start and end. */
  webhooks: WebhookDispatcher;
  /** Channels' restream destinations, pushed to while live. */
  restream: RestreamService;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Tests only: PostgreSQL schema to create and use, so test servers do not share tables. */
  pgSchema?: string;
}

/** How long a stopping server waits for webhooks still being delivered (the streams' "ended" among them). */
const SHUTDOWN_WEBHOOKS_MS = 2000;

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
  const secret = await loadServerSecret(config.secret, new SettingsRepo(db));
  const [users, tokens, channels, replays, follows, invites] = [
    new UsersRepo(db),
    new TokensRepo(db),
    new ChannelsRepo(db),
    new ReplaysRepo(db),
    new FollowsRepo(db),
    // Invite tokens are kept sealed with the secret, so their owner can copy a link again.
    new InvitesRepo(db, { seal: inviteTokenSeal(secret) }),
  ] as const;
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

  let boundHttpPort = config.httpPort;
  const cluster = clusterMode(config)
    ? joinCluster(
        config,
        secret,
        () => boundHttpPort,
        () => streams.stats((ch) => viewers.count(ch)),
        logger,
      )
    : undefined;
  const publishers = new PublishAuthorizer({
    channels,
    users,
    streams,
    origins: cluster?.origins,
    kick: (channel, reason) => rtmp.kick(channel, reason),
    known: (channel) => access.know(channel),
    logger,
  });
  const players = rtmpPlayAccess(access);
  const rtmp = new RtmpServer({
    host: config.rtmpHost,
    port: config.rtmpPort,
    hooks: { authorizePublish: publishers.authorize, authorizePlay: players.authorize },
    logger: logger.child({ part: 'rtmp' }),
    limits: { maxConnectionsPerAddress: config.rtmpMaxPerAddress },
    ...(config.rtmps && { tls: { port: config.rtmps.port, ...readTlsFiles(config.rtmps) } }),
  });

  // SRT publishers are decided by the same hook and live in the same relay as RTMP ones.
  const srt = config.srt
    ? new SrtListener({
        host: config.srt.host,
        port: config.srt.port,
        authorizePublish: publishers.authorize,
        relay: rtmp.relay,
        logger: logger.child({ part: 'srt' }),
        limits: { latencyMs: config.srt.latencyMs, maxConnectionsPerAddress: config.rtmpMaxPerAddress },
      })
    : null;

  const lifecycle = new StreamLifecycle({
    streams,
    channels,
    replays,
    follows,
    access,
    kick: (c, reason) => rtmp.kick(c, reason),
    forgetViewers: (c) => playerTracker.forget(c),
    linkBase: () => configuredBase(config),
    nodeUrl: cluster && (() => cluster.origins.nodeUrl),
    logger,
  });
  const webhookRepo = new WebhooksRepo(db);
  const webhooks = new WebhookDispatcher({ webhooks: webhookRepo, channels, config, logger: logger.child({ part: 'webhooks' }) });
  lifecycle.sendWebhooks(webhooks);
  // Stream keys of restream destinations are kept sealed with the secret, like invite tokens.
  const destinations = new DestinationsRepo(db, secretSeal(secret, 'restream destination key v1'));
  const restream = new RestreamService({
    streams,
    channels,
    destinations,
    allowPrivateAddresses: config.restream.allowPrivateAddresses,
    logger: logger.child({ part: 'restream' }),
  });
  const { replayRecorded } = lifecycle;
  if (cluster) recordStreams(cluster.origins, streams);
  const retention = new Retention({
    replays,
    streams,
    media: config.media,
    replayRecorded,
    nodeUrl: cluster && (() => cluster.origins.nodeUrl),
    logger,
  });
  // Moderators and chat modes: changed through HTTP and chat, cached by chat, spread by chat to every process.
  const community = new ChatCommunity(db);
  const chatRetention = new ChatRetention({
    chat: new ChatRepo(db),
    moderation: community.repo,
    retentionDays: config.chatRetentionDays,
    logger: logger.child({ part: 'chat-retention' }),
  });
  const streamMetrics = new StreamMetricsRepo(db);
  const sampler = new StreamMetricsSampler({
    streams,
    channels,
    metrics: streamMetrics,
    viewers: (ch) => viewers.count(ch),
    intervalMs: config.metricsIntervalSeconds * 1000,
    logger: logger.child({ part: 'metrics' }),
  });
  // Until chat is attached, no chat connections are counted.
  let chatConnections = () => 0;
  const system = new SystemMetrics({
    intervalMs: config.metricsIntervalSeconds * 1000,
    historySize: LIMITS.systemHistorySamples,
    connections: async () => ({
      rtmp: rtmp.stats().connections,
      http: await new Promise<number>((r) => http.server.getConnections((err, n) => r(err ? 0 : n))),
      chat: chatConnections(),
    }),
  });
  const trust = trustedProxies(config.trustProxy);
  // Rate limits (logins, sign-ups, invite guesses, webhook tests, chat messages) hold across every process sharing Redis.
  const sharedRateWindows = config.redisUrl
    ? new RedisRateWindows({ redisUrl: config.redisUrl, cluster: config.clusterName, secret, logger: logger.child({ part: 'rate-limits' }) })
    : undefined;
  await sharedRateWindows?.start();
  const rateWindows: RateWindows = sharedRateWindows ?? new LocalRateWindows();
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
    rateWindows,
    loginLimiter: new LoginRateLimiter({ maxFailures: LIMITS.loginFailures, windowMs: LIMITS.loginWindowSeconds * 1000, store: rateWindows }),
    streams,
    retention,
    viewers,
    rtmp: rtmpTotals(rtmp),
    ...(srt && { srtIngest: (channel: string) => srt.ingestStats(channel) }),
    webhooks: webhookRepo,
    webhookTests: webhooks,
    destinations,
    restream,
    community,
    adminToken: config.adminToken || undefined,
    streamMetrics,
    system,
    cluster,
  });
  // Live chat on the same HTTP server (socket.io at /socket.io), across processes when REDIS_URL is set.
  const chat = await attachChat({
    httpServer: http.server,
    db,
    logger: logger.child({ part: 'chat' }),
    redisUrl: config.redisUrl || undefined,
    ipHashSalt: secret,
    sendLimits: sharedRateWindows,
    identify: (h) => access.resolveIdentity(h),
    canJoin: (identity, channelName) => access.watchDecision(identity, channelName),
    players: { clients: (c) => playerTracker.clients(c), channels: () => [...playerTracker.channels(), ...streams.list().map((s) => s.channel)] },
    clientAddress: (req) => clientAddress(req, trust),
    allowOrigin: originCheck(config.publicUrl, config.allowedOrigins, trust),
    publishAccessChange: (change) => accessChanges.publish(change),
    community,
  });
  countViewers = chat.viewers;
  chatConnections = () => chat.io.engine.clientsCount;
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

  // Listeners open once every part is wired. A deep accept queue, on sockets that each accept a connection per turn
  // of the event loop: a thousand players connecting at once must neither see resets nor wait seconds to get in.
  const httpListeners = await listenWithAcceptFan(http.server, async (o) => void (await http.listen(o as FastifyListenOptions)), {
    host: config.httpHost,
    port: config.httpPort,
    backlog: 4096,
  });
  const httpPort = httpListeners.port;
  boundHttpPort = httpPort;
  // A node takes publishers once the cluster knows it is alive.
  await cluster?.origins.start();
  await cluster?.stats.start();
  const { port: rtmpPort, tlsPort: rtmpsPort } = await rtmp.listen();
  const srtPort = srt ? (await srt.listen()).port : undefined;
  adoptBoundPorts(config, { http: httpPort, rtmp: rtmpPort, rtmps: rtmpsPort, srt: srtPort });
  retention.start();
  chatRetention.start();
  sampler.start();
  system.start();
  logger.info(
    {
      httpPort,
      rtmpPort,
      ...(rtmpsPort && { rtmpsPort }),
      ...(srtPort && { srtPort }),
      dataDir: config.dataDir,
      database: db.dialect,
      ...(cluster && { node: cluster.origins.nodeId }),
    },
    'onair server started',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      retention.stop();
      chatRetention.stop();
      system.stop();
      await sampler.stop();
      await accessChanges.close();
      await srt?.close();
      await rtmp.close();
      await streams.close();
      restream.close();
      await cluster?.origins.close();
      await cluster?.stats.close();
      // Let 'ended' handlers record their replays before the database closes, and webhooks say so (briefly: a
      // receiver that does not answer does not hold the stop up).
      await new Promise((r) => setTimeout(r, 50));
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([webhooks.idle(), new Promise((r) => (waited = setTimeout(r, SHUTDOWN_WEBHOOKS_MS)))]);
      clearTimeout(waited);
      webhooks.close();
      await chat.close();
      httpListeners.closeExtra();
      await http.close();
      await sharedRateWindows?.close();
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
    rtmpsPort,
    srtPort,
    db,
    streams,
    access,
    accessChanges,
    follows,
    rtmp,
    srt,
    http,
    chat,
    retention,
    chatRetention,
    replayRecorded,
    webhooks,
    restream,
    sweepReplays,
    recoverInterrupted,
    close,
  };
}
