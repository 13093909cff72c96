// The chat service's public shapes: what attachChat is given (ChatOptions) and what it returns (ChatService).
import type http from 'node:http';
import type { Server } from 'socket.io';
import type { AccessChange } from '../access/changes.js';
import type { ChatClientToServer, ChatIdentity, ChatMessage, ChatServerToClient, DirectoryEvent, NoticeEvent } from '../api/chat.js';
import type { Db } from '../db/database.js';
import type { RateWindows } from '../db/rate-limit.js';
import type { TokenBuckets } from '../db/token-buckets.js';
import type { Logger } from '../log.js';
import type { ChatCommunity } from './community.js';
import type { ChatInterServer } from './protocol.js';
import type { PlayerSource } from './viewer-counts.js';

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
  /** This process's players (HLS/DASH clients), merged with the chat connections into the viewer count. */
  players?: PlayerSource;
  now?: () => number;
  /**
   * Salt for guests' IP address hashes and client keys, and the HMAC secret of chat's own rate-limit keys in Redis; give
   * every process (and the player tracker) the same secret value.
   */
  ipHashSalt?: string;
  /**
   * Where a person's messages are counted (the send rate and slow mode). The server gives the rate-limit store its
   * logins use (server/cluster/rate-windows.ts with REDIS_URL), so a person's connections to every node share one
   * budget. Default: with a Redis URL, a store of chat's own in Redis; without, this process's memory.
   */
  sendLimits?: TokenBuckets & RateWindows;
  /** The client's address (behind a trusted proxy: the forwarded one). Default: the socket peer. */
  clientAddress?: (req: http.IncomingMessage) => string;
  /** Overrides for tests and benchmarks. */
  limits?: Partial<ChatServiceLimits>;
  /**
   * Moderators and chat modes, shared with the HTTP routes that change them. Default: one of its own on `db`.
   * Chat installs how its changes reach every process.
   */
  community?: ChatCommunity;
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
  io: Server<ChatClientToServer, ChatServerToClient, ChatInterServer, SocketData>;
  /** Moderators and chat modes (the one given in ChatOptions, or its own). */
  community: ChatCommunity;
  /** Persists and broadcasts "<channel> is live" (call on the media 'live' event). Null if the channel is unknown. */
  streamStarted(channel: string, title?: string): Promise<ChatMessage | null>;
  /** Persists and broadcasts "The stream has ended". */
  streamEnded(channel: string): Promise<ChatMessage | null>;
  /** Sends a `notice` to every connection of these users, on any process. */
  notifyUsers(userIds: readonly number[], payload: NoticeEvent): void;
  /** Sends a `directory` event to every connection, on any process (public channels only: everyone hears it). */
  announceDirectory(payload: DirectoryEvent): void;
  /** True if an unexpired ban matches the user, the guest id or (for guests) the address. For the invites code. */
  isBanned(channelId: number, who: { userId?: number; guestId?: string; address?: string }): Promise<boolean>;
  /**
   * Access was taken back (on any process): this process's connections that lost it leave the channel's room with
   * a `removed` event; connections whose sign-in was revoked are closed. Resolves when all were checked.
   */
  recheckAccess(change: AccessChange): Promise<void>;
  /** The channel's viewers: people with a chat connection or a player, on every process, each counted once. */
  viewers(channel: string): number;
  /** Disconnects this process's chat clients and leaves Redis. Does not close the HTTP server. */
  close(): Promise<void>;
}

export interface SocketData {
  identity: ChatIdentity | null;
  /** Salted sha256 of the remote address (guests' IP bans). */
  ipHash: string;
  /** The client (salted hash of address + user agent) for viewer counts, as players are keyed. */
  client: string;
}
