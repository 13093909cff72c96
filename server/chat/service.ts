// Live chat: socket.io rooms per channel, persistence, moderation, viewer counts, per-user notices.
// With a Redis URL, rooms, broadcasts, kicks and notices span every server process (@socket.io/redis-adapter)
// and viewer counts are summed across processes (viewers.ts).
//
// Rooms: `ch:<channel>` per channel, `user:<id>` per signed-in user, `guest:<id>` per guest.
import type { AccessChange } from '../access/changes.js';
import { bearerToken } from '../access/credentials.js';
import { RoomBroadcaster } from './broadcast.js';
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import {
  CHAT_LIMITS,
  CHAT_PATH,
  type ChatClientToServer,
  type ChatError,
  type ChatErrorCode,
  type ChatIdentity,
  type ChatMessage,
  type ChatRole,
  type ChatServerToClient,
  type ChatSystemKind,
  type JoinResult,
  type ModerationResult,
  type NoticeEvent,
  type SendResult,
} from '../api/chat.js';
import { ChannelsRepo } from '../db/channels.js';
import { ChatRepo, type StoredChatMessage } from '../db/chat.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../log.js';
import { cleanMessageText, isChannelName, RateLimiter } from './text.js';
import { localViewerStore, redisViewerStore, type ViewerStore } from './viewers.js';

export type { ChatIdentity };

export interface ChatHandshake {
  cookieHeader?: string;
  bearer?: string;
  guestToken?: string;
  address: string;
}

export type JoinDecision = { ok: true; channelId: number; ownerUserId: number } | { ok: false; code: 'not_found' | 'forbidden'; reason: string };

export interface ChatOptions {
  httpServer: http.Server;
  db: Db;
  logger: Logger;
  /** redis://… to span processes; absent for one process. */
  redisUrl?: string;
  /** Prefix of the Redis pub/sub channels and keys (tests use a unique one). Default "onair-chat". */
  redisPrefix?: string;
  /** Who is connecting, from the handshake; null for an anonymous viewer (may read public chats, not send). */
  identify(handshake: ChatHandshake): Promise<ChatIdentity | null>;
  /** May this identity (null: anonymous) read this channel's chat? A refusal's `code` is the ack's, `reason` its message. */
  canJoin(identity: ChatIdentity | null, channelName: string): Promise<JoinDecision>;
  /** This process's HLS viewers of a channel, added to the chat connections. */
  viewerCount?(channel: string): number;
  now?: () => number;
  /** Salt for guests' IP address hashes; give every process the same secret value. */
  ipHashSalt?: string;
  /** The client's address (behind a trusted proxy: the forwarded one). Default: the socket peer. */
  clientAddress?: (req: http.IncomingMessage) => string;
  /** Overrides for tests and benchmarks. */
  limits?: Partial<ChatServiceLimits>;
  /** Told of every ban, so the banned lose the channel's media too, on every process. */
  publishAccessChange?(change: AccessChange): Promise<void>;
  /**
   * May a browser page from this Origin open a chat connection? (Its cookies would speak for the user.) Called for
   * handshakes that carry an Origin header and no Authorization bearer; non-browser clients send none. Default: any.
   */
  allowOrigin?(origin: string, req: http.IncomingMessage): boolean;
}

export interface ChatServiceLimits {
  rateBurst: number;
  rateWindowSeconds: number;
  viewersIntervalMs: number;
}

export interface ChatService {
  io: Server<ChatClientToServer, ChatServerToClient, Record<string, never>, SocketData>;
  /** Persists and broadcasts "<channel> is live" (call on the media 'live' event). Null if the channel is unknown. */
  streamStarted(channel: string, title?: string): Promise<ChatMessage | null>;
  /** Persists and broadcasts "The stream has ended". */
  streamEnded(channel: string): Promise<ChatMessage | null>;
  /** Sends a `notice` to every connection of these users, on any process. */
  notifyUsers(userIds: readonly number[], payload: NoticeEvent): void;
  /** True if an unexpired ban matches the user, the guest id or (for guests) the address. For the invites code. */
  isBanned(channelId: number, who: { userId?: number; guestId?: string; address?: string }): Promise<boolean>;
  /**
   * Access was taken back (on any process): this process's connections that lost it leave the channel's room with
   * a `removed` event; connections whose sign-in was revoked are closed. Resolves when all were checked.
   */
  recheckAccess(change: AccessChange): Promise<void>;
  /** Current live viewer count as last computed (chat connections on all processes + HLS viewers). */
  viewers(channel: string): number;
  /** Disconnects this process's chat clients and leaves Redis. Does not close the HTTP server. */
  close(): Promise<void>;
}

export interface SocketData {
  identity: ChatIdentity | null;
  /** Salted sha256 of the remote address (guests' IP bans). */
  ipHash: string;
}

interface Joined {
  channelId: number;
  ownerUserId: number;
  role: ChatRole;
}

type ChatSocket = Socket<ChatClientToServer, ChatServerToClient, Record<string, never>, SocketData>;

class ChatFailure extends Error {
  constructor(
    readonly code: ChatErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  toError(): ChatError {
    return { code: this.code, message: this.message, ...(this.retryAfterSeconds !== undefined ? { retryAfterSeconds: this.retryAfterSeconds } : {}) };
  }
}

const canModerate = (role: ChatRole) => role === 'owner' || role === 'moderator';
const roomOf = (channel: string) => `ch:${channel}`;
const userRoom = (userId: number) => `user:${userId}`;
const guestRoom = (guestId: string) => `guest:${guestId}`;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isGuestId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;
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
  const salt = opts.ipHashSalt ?? 'onair-chat-ip';
  const hashIp = (address: string) => createHash('sha256').update(`${salt}\0${address}`).digest('hex');
  const sendLimiter = new RateLimiter(limits.rateBurst, limits.rateWindowSeconds * 1000, now);
  const opsLimiter = new RateLimiter(CHAT_LIMITS.opsBurst, CHAT_LIMITS.opsWindowSeconds * 1000, now);
  /** Per local socket: the channels it joined. Not in socket.data, which must stay serialisable for fetchSockets. */
  const joinedBy = new Map<string, Map<string, Joined>>();

  const io = new Server<ChatClientToServer, ChatServerToClient, Record<string, never>, SocketData>(opts.httpServer, {
    path: CHAT_PATH,
    serveClient: false,
    maxHttpBufferSize: CHAT_LIMITS.maxPayloadBytes,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      // A bearer token is not ambient (the desktop app adds it to its own requests), so its Origin does not matter.
      if (origin === undefined || !opts.allowOrigin || bearerToken(req.headers.authorization) || opts.allowOrigin(origin, req)) return callback(null, true);
      log.info({ origin: origin.slice(0, 200) }, 'chat connection refused: cross-site origin');
      callback('This page may not open a chat connection to this server.', false);
    },
  });

  // One frame per room per window under load (see broadcast.ts).
  const broadcaster = new RoomBroadcaster({
    one: (room, m) => io.to(room).emit('message', m),
    many: (room, ms) => io.to(room).emit('messages', ms),
  });

  let redisPub: Redis | undefined;
  let redisSub: Redis | undefined;
  let store: ViewerStore = localViewerStore;
  const processId = randomBytes(8).toString('hex');
  if (opts.redisUrl) {
    const prefix = opts.redisPrefix ?? 'onair-chat';
    redisPub = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
    redisSub = redisPub.duplicate();
    for (const [name, c] of [['pub', redisPub], ['sub', redisSub]] as const) {
      c.on('error', (err) => log.warn({ err: err.message, client: name }, 'redis error'));
    }
    io.adapter(createAdapter(redisPub, redisSub, { key: prefix }));
    // Commands run in order on the subscriber connection: once this subscribe answers, the adapter's own
    // subscriptions (issued above) are in place and no broadcast from another process can be missed.
    await redisSub.subscribe(`${prefix}#ready#${processId}`);
    store = redisViewerStore(redisPub, prefix, processId, now);
  }

  // ---- viewer counts ----
  /** Sum of the other processes' counts, per channel, from the last tick. */
  const othersCount = new Map<string, number>();
  const lastSent = new Map<string, number>();
  /** Channels this process reported a non-zero count for (so it reports the drop to zero once). */
  const reported = new Set<string>();
  const localCount = (channel: string) => (io.of('/').adapter.rooms.get(roomOf(channel))?.size ?? 0) + (opts.viewerCount?.(channel) ?? 0);
  const totalCount = (channel: string) => localCount(channel) + (othersCount.get(channel) ?? 0);
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      const local = new Map<string, number>();
      for (const room of io.of('/').adapter.rooms.keys()) if (room.startsWith('ch:')) local.set(room.slice(3), 0);
      for (const c of reported) local.set(c, 0);
      for (const c of local.keys()) local.set(c, localCount(c));
      let others: Map<string, number>;
      try {
        others = await store.report(local);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'viewer count exchange failed; using local counts');
        others = new Map();
      }
      for (const [channel, n] of local) {
        othersCount.set(channel, others.get(channel) ?? 0);
        if (n > 0) reported.add(channel);
        else reported.delete(channel);
        const hasLocalSockets = io.of('/').adapter.rooms.has(roomOf(channel));
        if (!hasLocalSockets) {
          othersCount.delete(channel);
          lastSent.delete(channel);
          continue;
        }
        const total = n + (others.get(channel) ?? 0);
        if (lastSent.get(channel) !== total) {
          lastSent.set(channel, total);
          // Every process sends the same total to its own connections.
          io.local.to(roomOf(channel)).emit('viewers', { channel, count: total });
        }
      }
    } finally {
      ticking = false;
    }
  };
  const viewerTimer = setInterval(() => void tick(), limits.viewersIntervalMs);
  viewerTimer.unref();
  const sweepTimer = setInterval(() => {
    sendLimiter.sweep();
    opsLimiter.sweep();
  }, SWEEP_MS);
  sweepTimer.unref();

  // ---- helpers ----
  const toChatMessage = (m: StoredChatMessage, channel: string): ChatMessage => ({
    id: m.id,
    channel,
    author: m.systemKind
      ? { name: m.authorName, kind: 'system' }
      : m.userId !== null
        ? { name: m.authorName, kind: 'user', userId: m.userId }
        : { name: m.authorName, kind: m.guestId !== null ? 'guest' : 'system' },
    text: m.text,
    at: new Date(m.createdAt).toISOString(),
    ...(m.systemKind ? { system: m.systemKind as ChatSystemKind } : {}),
  });
  const identityKey = (id: ChatIdentity) => (id.kind === 'user' ? `u:${id.userId}` : `g:${id.guestId}`);
  const channelArg = (payload: unknown): string => {
    if (!isObj(payload) || !isChannelName(payload.channel)) throw new ChatFailure('bad_request', 'Give the channel name, e.g. { channel: "alice" }.');
    return payload.channel.toLowerCase();
  };
  const joinedChannel = (socket: ChatSocket, channel: string): Joined => {
    const j = joinedBy.get(socket.id)?.get(channel);
    // A moderator on another process may have removed this socket from the room (ban): socket.rooms is the truth.
    if (!j || !socket.rooms.has(roomOf(channel))) {
      joinedBy.get(socket.id)?.delete(channel);
      throw new ChatFailure('not_joined', 'Join the channel first.');
    }
    return j;
  };
  const limitOps = (socket: ChatSocket) => {
    const wait = opsLimiter.take(socket.id);
    if (wait > 0) throw new ChatFailure('rate_limited', 'Too many requests; slow down.', Math.ceil(wait / 1000));
  };
  const moderator = (socket: ChatSocket, payload: unknown): { channel: string; j: Joined } => {
    limitOps(socket);
    const channel = channelArg(payload);
    const j = joinedChannel(socket, channel);
    if (!canModerate(j.role)) throw new ChatFailure('forbidden', 'Only the channel owner can moderate this chat.');
    return { channel, j };
  };
  /** The user or guest a moderation target names. */
  const resolveTarget = async (channelId: number, target: unknown): Promise<{ userId: number } | { guestId: string }> => {
    if (!isObj(target)) throw new ChatFailure('bad_request', 'Give a target: { userId }, { guestId } or { messageId }.');
    if (isId(target.userId)) return { userId: target.userId };
    if (isGuestId(target.guestId)) return { guestId: target.guestId };
    if (isId(target.messageId)) {
      const m = await repo.messageById(channelId, target.messageId);
      if (!m) throw new ChatFailure('not_found', 'There is no such message in this chat.');
      if (m.userId !== null) return { userId: m.userId };
      if (m.guestId !== null) return { guestId: m.guestId };
      throw new ChatFailure('bad_request', 'System messages have no author to moderate.');
    }
    throw new ChatFailure('bad_request', 'Give a target: { userId }, { guestId } or { messageId }.');
  };
  const targetRoom = (t: { userId: number } | { guestId: string }) => ('userId' in t ? userRoom(t.userId) : guestRoom(t.guestId));
  const durationArg = (v: unknown, required: boolean): number | undefined => {
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > CHAT_LIMITS.maxTimeoutSeconds) {
      throw new ChatFailure('bad_request', `seconds must be a whole number from 1 to ${CHAT_LIMITS.maxTimeoutSeconds}.`);
    }
    return v;
  };

  /** Registers a handler: validates nothing itself, turns ChatFailure into an error ack, never throws. */
  function handle(socket: ChatSocket, event: string, fn: (payload: unknown) => Promise<object>) {
    (socket as unknown as { on(e: string, l: (...args: unknown[]) => void): void }).on(event, (...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as (r: unknown) => void) : undefined;
      const payload = ack && args.length === 1 ? undefined : args[0];
      fn(payload).then(
        (result) => ack?.({ ok: true, ...result }),
        (err: unknown) => {
          if (err instanceof ChatFailure) return ack?.({ ok: false, error: err.toError() });
          log.error({ err: (err as Error)?.message, event }, 'chat handler failed');
          ack?.({ ok: false, error: { code: 'internal', message: 'Something went wrong on the server; try again.' } });
        },
      );
    });
  }

  // ---- connections ----
  /** The credentials a connection opened with (kept by socket.io for the connection's life). */
  const handshakeOf = (socket: ChatSocket): ChatHandshake => {
    const auth = isObj(socket.handshake.auth) ? socket.handshake.auth : {};
    return {
      cookieHeader: socket.handshake.headers.cookie,
      bearer: typeof auth.token === 'string' ? auth.token : bearerToken(socket.handshake.headers.authorization),
      guestToken: typeof auth.guestToken === 'string' ? auth.guestToken : undefined,
      address: opts.clientAddress ? opts.clientAddress(socket.request) : socket.handshake.address,
    };
  };

  io.use((socket, next) => {
    const handshake = handshakeOf(socket);
    const { bearer, guestToken, address } = handshake;
    opts
      .identify(handshake)
      .then((identity) => {
        if (!identity && (bearer || guestToken)) {
          const err = new Error('unauthorized') as Error & { data?: unknown };
          err.data = { code: 'unauthorized', message: 'Your sign-in or invite is not valid any more; sign in again.' };
          return next(err);
        }
        socket.data = { identity, ipHash: hashIp(address) };
        next();
      })
      .catch((err: unknown) => {
        log.error({ err: (err as Error)?.message }, 'chat identify failed');
        next(new Error('internal'));
      });
  });

  io.on('connection', (socket) => {
    const identity = socket.data.identity;
    joinedBy.set(socket.id, new Map());
    if (identity?.kind === 'user') void socket.join(userRoom(identity.userId));
    else if (identity?.kind === 'guest') void socket.join(guestRoom(identity.guestId));
    socket.on('disconnect', () => {
      joinedBy.delete(socket.id);
    });

    handle(socket, 'join', async (payload): Promise<JoinResult> => {
      limitOps(socket);
      const channel = channelArg(payload);
      const mine = joinedBy.get(socket.id);
      if (!mine) throw new ChatFailure('internal', 'This connection is closing.');
      for (const c of mine.keys()) if (!socket.rooms.has(roomOf(c))) mine.delete(c);
      if (!mine.has(channel) && mine.size >= CHAT_LIMITS.maxRoomsPerSocket) {
        throw new ChatFailure('too_many_rooms', `One connection can be in at most ${CHAT_LIMITS.maxRoomsPerSocket} chats; leave one first.`);
      }
      const decision = await opts.canJoin(identity, channel);
      if (!decision.ok) throw new ChatFailure(decision.code, decision.reason);
      if (identity?.kind === 'guest' && identity.channelId !== decision.channelId) {
        throw new ChatFailure('forbidden', 'Your invite is for another channel.');
      }
      if (identity && (await repo.isBanned(decision.channelId, subjectOf(identity, socket.data.ipHash)))) {
        throw new ChatFailure('banned', 'You are banned from this chat.');
      }
      const role: ChatRole = !identity
        ? 'viewer'
        : identity.kind === 'guest'
          ? 'guest'
          : identity.userId === decision.ownerUserId
            ? 'owner'
            : 'viewer';
      // Join before reading the history so nothing falls between the two; a message may then arrive both in
      // the history and as a `message` event: clients de-duplicate by id.
      await socket.join(roomOf(channel));
      mine.set(channel, { channelId: decision.channelId, ownerUserId: decision.ownerUserId, role });
      const history = await repo.history(decision.channelId, CHAT_LIMITS.historySize);
      log.debug({ channel, kind: identity?.kind ?? 'anonymous' }, 'chat join');
      return {
        channel,
        history: history.map((m) => toChatMessage(m, channel)),
        viewers: totalCount(channel),
        you: {
          name: identity ? (identity.kind === 'user' ? identity.username : identity.displayName) : '',
          role,
          canModerate: canModerate(role),
          signedIn: identity?.kind === 'user',
        },
      };
    });

    handle(socket, 'leave', async (payload) => {
      const channel = channelArg(payload);
      await socket.leave(roomOf(channel));
      joinedBy.get(socket.id)?.delete(channel);
      return {};
    });

    handle(socket, 'send', async (payload): Promise<SendResult> => {
      const channel = channelArg(payload);
      const j = joinedChannel(socket, channel);
      if (!identity) throw new ChatFailure('sign_in_required', 'Sign in to chat.');
      const clean = cleanMessageText((payload as Record<string, unknown>).text);
      if (!clean.ok) throw new ChatFailure(clean.code, clean.message);
      const waitMs = sendLimiter.take(identityKey(identity));
      if (waitMs > 0) {
        const s = Math.max(1, Math.ceil(waitMs / 1000));
        throw new ChatFailure('rate_limited', `You are sending messages too fast; wait ${s} second${s === 1 ? '' : 's'}.`, s);
      }
      const who = identity.kind === 'user' ? { userId: identity.userId } : { guestId: identity.guestId };
      const [until, banned, decision] = await Promise.all([
        repo.timedOutUntil(j.channelId, who),
        repo.isBanned(j.channelId, subjectOf(identity, socket.data.ipHash)),
        opts.canJoin(identity, channel),
      ]);
      if (banned) throw new ChatFailure('banned', 'You are banned from this chat.');
      if (!decision.ok) {
        await leaveRemoved(socket, channel, 'access');
        throw new ChatFailure(decision.code, decision.reason);
      }
      if (until !== null) {
        const s = Math.max(1, Math.ceil((until - now()) / 1000));
        throw new ChatFailure('timed_out', `A moderator timed you out; you can chat again in ${s} second${s === 1 ? '' : 's'}.`, s);
      }
      // Persisted first: nothing that is acknowledged or shown can be lost.
      const stored = await repo.insertMessage({
        channelId: j.channelId,
        ...who,
        authorName: identity.kind === 'user' ? identity.username : identity.displayName,
        text: clean.text,
      });
      const message = toChatMessage(stored, channel);
      broadcaster.send(roomOf(channel), message);
      return { message };
    });

    handle(socket, 'delete', async (payload): Promise<ModerationResult> => {
      const { channel, j } = moderator(socket, payload);
      const id = (payload as Record<string, unknown>).messageId;
      if (!isId(id)) throw new ChatFailure('bad_request', 'Give the messageId to delete.');
      if (!(await repo.deleteMessage(j.channelId, id))) throw new ChatFailure('not_found', 'There is no such message in this chat (or it was already deleted).');
      io.to(roomOf(channel)).emit('deleted', { channel, id });
      log.info({ channel, messageId: id }, 'chat message deleted by moderator');
      return { affected: 1 };
    });

    handle(socket, 'timeout', async (payload): Promise<ModerationResult> => {
      const { channel, j } = moderator(socket, payload);
      const p = payload as Record<string, unknown>;
      const seconds = durationArg(p.seconds, true)!;
      const target = await resolveTarget(j.channelId, p.target);
      if ('userId' in target && target.userId === j.ownerUserId) throw new ChatFailure('forbidden', 'The channel owner cannot be timed out.');
      await repo.setTimeout(j.channelId, target, now() + seconds * 1000);
      io.to(targetRoom(target)).emit('system', { channel, kind: 'moderation', text: `A moderator timed you out for ${seconds} seconds.` });
      log.info({ channel, target, seconds }, 'chat timeout');
      return { affected: 1 };
    });

    handle(socket, 'ban', async (payload): Promise<ModerationResult> => {
      const { channel, j } = moderator(socket, payload);
      const p = payload as Record<string, unknown>;
      const seconds = durationArg(p.seconds, false);
      const target = await resolveTarget(j.channelId, p.target);
      if ('userId' in target && target.userId === j.ownerUserId) throw new ChatFailure('forbidden', 'The channel owner cannot be banned.');
      const expiresAt = seconds ? now() + seconds * 1000 : null;
      if ('userId' in target) {
        await repo.ban(j.channelId, target, expiresAt);
      } else {
        // The guest's addresses, from its connections on every process: a banned address cannot come back as a new guest.
        const sockets = await io.in(guestRoom(target.guestId)).fetchSockets();
        const hashes = [...new Set(sockets.map((s) => s.data?.ipHash).filter((h): h is string => typeof h === 'string'))];
        if (hashes.length === 0) await repo.ban(j.channelId, target, expiresAt);
        for (const ipHash of hashes) await repo.ban(j.channelId, { guestId: target.guestId, ipHash }, expiresAt);
      }
      await opts.publishAccessChange?.({ kind: 'banned', channelId: j.channelId, ...target });
      const room = targetRoom(target);
      io.to(room).emit('removed', { channel, reason: 'banned' });
      io.to(room).emit('system', { channel, kind: 'moderation', text: 'A moderator banned you from this chat.' });
      io.in(room).socketsLeave(roomOf(channel));
      log.info({ channel, target, seconds: seconds ?? null }, 'chat ban');
      return { affected: 1 };
    });

    handle(socket, 'unban', async (payload): Promise<ModerationResult> => {
      const { channel, j } = moderator(socket, payload);
      const t = (payload as Record<string, unknown>).target;
      if (!isObj(t) || !(isId(t.userId) || isGuestId(t.guestId))) throw new ChatFailure('bad_request', 'Give a target: { userId } or { guestId }.');
      const affected = await repo.unban(j.channelId, isId(t.userId) ? { userId: t.userId } : { guestId: t.guestId as string });
      log.info({ channel, affected }, 'chat unban');
      return { affected };
    });
  });

  /** Takes a local connection out of a channel's room and tells it why. */
  async function leaveRemoved(socket: ChatSocket, channel: string, reason: 'banned' | 'access' | 'signed_out'): Promise<void> {
    await socket.leave(roomOf(channel));
    joinedBy.get(socket.id)?.delete(channel);
    socket.emit('removed', { channel, reason });
  }

  async function recheckAccess(change: AccessChange): Promise<void> {
    if (change.kind === 'stream-key-reset') return;
    const sockets = [...io.of('/').sockets.values()];
    if (change.kind === 'tokens-revoked') {
      for (const socket of sockets) {
        const identity = socket.data.identity;
        if (identity?.kind !== 'user' || identity.userId !== change.userId) continue;
        const now = await opts.identify(handshakeOf(socket)).catch(() => null);
        if (now?.kind === 'user' && now.userId === change.userId) continue;
        for (const channel of [...(joinedBy.get(socket.id)?.keys() ?? [])]) await leaveRemoved(socket, channel, 'signed_out');
        socket.disconnect(true);
      }
      return;
    }
    for (const socket of sockets) {
      const identity = socket.data.identity;
      if (change.kind === 'follow-removed' && !(identity?.kind === 'user' && identity.userId === change.userId)) continue;
      for (const [channel, j] of [...(joinedBy.get(socket.id) ?? [])]) {
        if (j.channelId !== change.channelId || j.role === 'owner') continue;
        const decision = await opts.canJoin(identity, channel);
        const banned = !!identity && (await repo.isBanned(j.channelId, subjectOf(identity, socket.data.ipHash)));
        if (!decision.ok || banned) await leaveRemoved(socket, channel, banned ? 'banned' : 'access');
      }
    }
  }

  function subjectOf(identity: ChatIdentity, ipHash: string) {
    return identity.kind === 'user' ? { userId: identity.userId } : { guestId: identity.guestId, ipHash };
  }

  async function systemMessage(channelName: string, kind: ChatSystemKind, text: (name: string, title: string) => string, title?: string): Promise<ChatMessage | null> {
    const ch = await channels.byName(channelName);
    if (!ch) return null;
    const stored = await repo.insertMessage({ channelId: ch.id, authorName: '', text: text(ch.name, title ?? ch.title), systemKind: kind });
    const message = toChatMessage(stored, ch.name);
    io.to(roomOf(ch.name)).emit('system', { channel: ch.name, kind, text: message.text, message });
    return message;
  }

  let closing: Promise<void> | undefined;
  return {
    io,
    streamStarted: (channel, title) => systemMessage(channel, 'live', (name, t) => (t ? `${name} is live: ${t}` : `${name} is live`), title),
    streamEnded: (channel) => systemMessage(channel, 'ended', () => 'The stream has ended.'),
    notifyUsers(userIds, payload) {
      const rooms = [...new Set(userIds.filter(isId))].map(userRoom);
      for (let i = 0; i < rooms.length; i += NOTICE_BATCH) io.to(rooms.slice(i, i + NOTICE_BATCH)).emit('notice', payload);
    },
    isBanned(channelId, who) {
      return repo.isBanned(channelId, { userId: who.userId, guestId: who.guestId, ipHash: who.address ? hashIp(who.address) : undefined });
    },
    recheckAccess,
    viewers: totalCount,
    close() {
      closing ??= (async () => {
        clearInterval(viewerTimer);
        clearInterval(sweepTimer);
        broadcaster.flushAll();
        await store.clear(reported).catch(() => {});
        io.local.disconnectSockets(true);
        await io.of('/').adapter.close?.();
        io.engine.close();
        await Promise.all([redisSub?.quit().catch(() => {}), redisPub?.quit().catch(() => {})]);
      })();
      return closing;
    },
  };
}
