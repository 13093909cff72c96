// The parts of one chat service that its handler modules share (built once in service.ts).
import type { ChatRepo } from '../db/chat.js';
import type { Logger } from '../log.js';
import type { ChatRole, ChatIdentity } from '../api/chat.js';
import type { RoomBroadcaster } from './broadcast.js';
import type { ChatCommunity } from './community.js';
import type { SendRules } from './send-rules.js';
import type { Joined, Memberships } from './membership.js';
import { ChatFailure, type ChatIo, type ChatSocket } from './protocol.js';
import type { RateLimiter } from './text.js';
import type { BucketLimiter } from '../db/token-buckets.js';
import type { ChatOptions } from './types.js';

export interface ChatContext {
  io: ChatIo;
  opts: ChatOptions;
  log: Logger;
  now: () => number;
  repo: ChatRepo;
  members: Memberships;
  broadcaster: RoomBroadcaster;
  /** Messages sent, per identity (across processes with Redis). */
  sendLimiter: BucketLimiter;
  /** Joins and moderation actions, per connection. */
  opsLimiter: RateLimiter;
  /** A channel's live viewer count as last computed. */
  viewers(channel: string): number;
  /** Moderators and chat modes (cached; changes published to every process). */
  community: ChatCommunity;
  /** The chat modes applied to each message. */
  sendRules: SendRules;
}

/**
 * The role a connection has in a channel now: moderators are looked up on each use (from a cache every process
 * drops when they change), so appointing or removing one takes effect at once on open connections.
 */
export async function currentRole(ctx: ChatContext, j: Pick<Joined, 'channelId' | 'ownerUserId'>, identity: ChatIdentity | null): Promise<ChatRole> {
  if (!identity) return 'viewer';
  if (identity.kind === 'guest') return 'guest';
  if (identity.userId === j.ownerUserId) return 'owner';
  return (await ctx.community.isModerator(j.channelId, identity.userId)) ? 'moderator' : 'viewer';
}

/** Counts one join or moderation action against the connection's budget. */
export function limitOps(ctx: ChatContext, socket: ChatSocket): void {
  const wait = ctx.opsLimiter.take(socket.id);
  if (wait > 0) throw new ChatFailure('rate_limited', 'Too many requests; slow down.', Math.ceil(wait / 1000));
}
