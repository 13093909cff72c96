// The parts of one chat service that its handler modules share (built once in service.ts).
import type { ChatRepo } from '../db/chat.js';
import type { Logger } from '../log.js';
import type { RoomBroadcaster } from './broadcast.js';
import type { Memberships } from './membership.js';
import { ChatFailure, type ChatIo, type ChatSocket } from './protocol.js';
import type { RateLimiter } from './text.js';
import type { ChatOptions } from './types.js';

export interface ChatContext {
  io: ChatIo;
  opts: ChatOptions;
  log: Logger;
  now: () => number;
  repo: ChatRepo;
  members: Memberships;
  broadcaster: RoomBroadcaster;
  /** Messages sent, per identity. */
  sendLimiter: RateLimiter;
  /** Joins and moderation actions, per connection. */
  opsLimiter: RateLimiter;
  /** A channel's live viewer count as last computed. */
  viewers(channel: string): number;
}

/** Counts one join or moderation action against the connection's budget. */
export function limitOps(ctx: ChatContext, socket: ChatSocket): void {
  const wait = ctx.opsLimiter.take(socket.id);
  if (wait > 0) throw new ChatFailure('rate_limited', 'Too many requests; slow down.', Math.ceil(wait / 1000));
}
