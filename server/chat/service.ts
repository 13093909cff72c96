// Live chat: socket.io rooms per channel, persistence, moderation, viewer counts, per-user notices, the live
// directory's changes to everyone. This module builds the parts and joins them; each responsibility lives in its
// own module:
//   connection.ts      the socket.io server, the cross-site Origin check, each connection's identity
//   rooms.ts           join, leave, send (membership.ts: which rooms each connection joined)
//   moderation.ts      delete, timeout, ban, unban; chat modes and moderators (community.ts: caches and changes)
//   send-rules.ts      the chat modes applied to each message
//   viewer-counts.ts   live viewer counts (viewers.ts: their exchange between processes)
//   access-recheck.ts  connections that lost access leave, revoked sign-ins are closed
//   cluster.ts         with a Redis URL, rooms, broadcasts, kicks and notices span every server process
// Rooms: `ch:<channel>` per channel, `user:<id>` per signed-in user, `guest:<id>` per guest.
import { CHAT_LIMITS, type ChatMessage, type ChatSystemKind } from '../api/chat.js';
import { ChannelsRepo } from '../db/channels.js';
import { ChatRepo } from '../db/chat.js';
import { ChatCommunity, type CommunityChange } from './community.js';
import { describeModes } from './chat-modes.js';
import { SendRules } from './send-rules.js';
import { recheckAccess } from './access-recheck.js';
import { RoomBroadcaster } from './broadcast.js';
import { emitToRoom } from './fanout.js';
import { joinCluster } from './cluster.js';
import { addressHasher, createChatServer, identifyConnections } from './connection.js';
import type { ChatContext } from './context.js';
import { Memberships } from './membership.js';
import { handleCommunity } from './community-handlers.js';
import { handleModeration } from './moderation.js';
import { isId, roomOf, toChatMessage, userRoom } from './protocol.js';
import { onConnection } from './rooms.js';
import { RateLimiter } from './text.js';
import { BucketLimiter } from '../db/token-buckets.js';
import type { ChatOptions, ChatService, ChatServiceLimits } from './types.js';
import { ViewerCounts } from './viewer-counts.js';
import { clientKey } from '../services/audience.js';
import { every } from '../periodic.js';

/** Client keys' salt when none is given (tests): the server always passes its secret. */
const DEFAULT_CLIENT_SALT = 'onair-chat-client';

export type { ChatIdentity } from '../api/chat.js';
export type { ChatHandshake, ChatOptions, ChatService, ChatServiceLimits, JoinDecision, SocketData } from './types.js';

/** How often idle rate-limit buckets are dropped. */
const SWEEP_MS = 30_000;
/** Users per notice broadcast (one adapter packet each). */
const NOTICE_BATCH = 500;

export async function attachChat(opts: ChatOptions): Promise<ChatService> {
  const log = opts.logger.child({ part: 'chat' });
  const now = opts.now ?? Date.now;
  const limits: ChatServiceLimits = {
    rateBurst: CHAT_LIMITS.rateBurst,
    rateWindowSeconds: CHAT_LIMITS.rateWindowSeconds,
    viewersIntervalMs: CHAT_LIMITS.viewersIntervalMs,
    ...opts.limits,
  };
  const repo = new ChatRepo(opts.db, { now });
  const channels = new ChannelsRepo(opts.db);
  const hashIp = addressHasher(opts.ipHashSalt);
  const io = createChatServer(opts, log);
  const cluster = await joinCluster(
    io,
    { redisUrl: opts.redisUrl, redisPrefix: opts.redisPrefix, now, sendLimits: opts.sendLimits, secret: opts.ipHashSalt ?? DEFAULT_CLIENT_SALT },
    log,
  );
  // One frame per room per window under load (see broadcast.ts). In one process each frame is encoded once and
  // written as it is to every connection (fanout.ts); across processes the adapter's broadcast reaches the others.
  const broadcaster = new RoomBroadcaster(
    cluster.spansProcesses
      ? { one: (room, m) => io.to(room).emit('message', m), many: (room, ms) => io.to(room).emit('messages', ms) }
      : { one: (room, m) => emitToRoom(io, room, 'message', m), many: (room, ms) => emitToRoom(io, room, 'messages', ms) },
  );
  const members = new Memberships();
  const community = opts.community ?? new ChatCommunity(opts.db, { now });
  // A change reaches every process's caches (theirs through Redis); this process tells the room, which the adapter
  // carries to every process. Once closing, the Redis connections may be gone: only this process's caches hear it.
  io.on('community', (change: CommunityChange) => community.forget(change));
  community.publishWith((change) => {
    community.forget(change);
    if (closing) return;
    if (cluster.spansProcesses) io.serverSideEmit('community', change);
    if (change.kind === 'settings') {
      io.to(roomOf(change.channel)).emit('settings', { channel: change.channel, settings: change.settings });
      io.to(roomOf(change.channel)).emit('system', {
        channel: change.channel,
        kind: 'modes',
        text: `${change.by} changed the chat modes: ${describeModes(change.settings)}.`,
      });
    } else {
      const role = change.on ? 'moderator' : 'viewer';
      io.to(userRoom(change.userId)).emit('role', { channel: change.channel, role, canModerate: change.on });
    }
  });
  const viewerCounts = new ViewerCounts(io, members, cluster.viewerStore, log, opts.players);
  viewerCounts.start(limits.viewersIntervalMs);

  const ctx: ChatContext = {
    io,
    opts,
    log,
    now,
    repo,
    members,
    broadcaster,
    // Per person, on every process they reach (cluster.ts says why Redis decides before the message is stored).
    sendLimiter: new BucketLimiter(cluster.sendRate, { name: 'chat-send', burst: limits.rateBurst, windowMs: limits.rateWindowSeconds * 1000 }, now),
    opsLimiter: new RateLimiter(CHAT_LIMITS.opsBurst, CHAT_LIMITS.opsWindowSeconds * 1000, now),
    viewers: viewerCounts.total,
    community,
    sendRules: new SendRules(community, cluster.slowMode, now),
  };
  const stopSweep = every(SWEEP_MS, () => {
    ctx.sendLimiter.sweep();
    ctx.sendRules.sweep();
    ctx.opsLimiter.sweep();
  });

  identifyConnections(io, opts, hashIp, (address, userAgent) => clientKey(opts.ipHashSalt ?? DEFAULT_CLIENT_SALT, address, userAgent), log);
  io.on('connection', (socket) => {
    onConnection(ctx, socket);
    handleModeration(ctx, socket);
    handleCommunity(ctx, socket);
  });

  async function systemMessage(
    channelName: string,
    kind: ChatSystemKind,
    text: (name: string, title: string) => string,
    title?: string,
  ): Promise<ChatMessage | null> {
    const ch = await channels.byName(channelName);
    if (!ch) return null;
    const stored = await repo.insertMessage({ channelId: ch.id, authorName: '', text: text(ch.name, title ?? ch.title), systemKind: kind });
    const message = toChatMessage(stored, ch.name);
    // A stream that ends as the server stops: stored for the history, but nobody is left to tell (and the Redis
    // adapter's connection may be gone).
    if (!closing) io.to(roomOf(ch.name)).emit('system', { channel: ch.name, kind, text: message.text, message });
    await repo
      .trimStreamNoticeRun(ch.id, CHAT_LIMITS.streamNoticeRunMax)
      .catch((err) => log.warn({ channel: ch.name, err: (err as Error).message }, 'could not trim old stream notices'));
    return message;
  }

  let closing: Promise<void> | undefined;
  return {
    io,
    community,
    streamStarted: (channel, title) => systemMessage(channel, 'live', (name, t) => (t ? `${name} is live: ${t}` : `${name} is live`), title),
    streamEnded: (channel) => systemMessage(channel, 'ended', () => 'The stream has ended.'),
    notifyUsers(userIds, payload) {
      if (closing) return;
      const rooms = [...new Set(userIds.filter(isId))].map(userRoom);
      for (let i = 0; i < rooms.length; i += NOTICE_BATCH) io.to(rooms.slice(i, i + NOTICE_BATCH)).emit('notice', payload);
    },
    announceDirectory(payload) {
      if (!closing) io.emit('directory', payload);
    },
    isBanned(channelId, who) {
      return repo.isBanned(channelId, { userId: who.userId, guestId: who.guestId, ipHash: who.address ? hashIp(who.address) : undefined });
    },
    recheckAccess: (change) => recheckAccess(ctx, change),
    viewers: viewerCounts.total,
    close() {
      closing ??= (async () => {
        stopSweep();
        broadcaster.flushAll();
        await viewerCounts.stop();
        io.local.disconnectSockets(true);
        io.engine.close();
        await cluster.close();
      })();
      return closing;
    },
  };
}
