// What every chat handler shares: the socket.io types, room names, the error an ack carries (ChatFailure), the
// handler wrapper that turns failures into acks, and the argument checks.
import type { Server, Socket } from 'socket.io';
import {
  CHAT_LIMITS,
  type ChatClientToServer,
  type ChatError,
  type ChatErrorCode,
  type ChatIdentity,
  type ChatMessage,
  type ChatRole,
  type ChatServerToClient,
  type ChatSystemKind,
} from '../api/chat.js';
import type { StoredChatMessage } from '../db/chat.js';
import type { Logger } from '../log.js';
import type { CommunityChange } from './community.js';
import { isChannelName } from './text.js';
import type { SocketData } from './types.js';

/** Between server processes (through the Redis adapter): a channel's moderators or modes changed. */
export interface ChatInterServer {
  community: (change: CommunityChange) => void;
}
export type ChatIo = Server<ChatClientToServer, ChatServerToClient, ChatInterServer, SocketData>;
export type ChatSocket = Socket<ChatClientToServer, ChatServerToClient, ChatInterServer, SocketData>;

/** Rooms: `ch:<channel>` per channel, `user:<id>` per signed-in user, `guest:<id>` per guest. */
export const roomOf = (channel: string) => `ch:${channel}`;
export const userRoom = (userId: number) => `user:${userId}`;
export const guestRoom = (guestId: string) => `guest:${guestId}`;
export const CHANNEL_ROOM_PREFIX = 'ch:';

export const canModerate = (role: ChatRole) => role === 'owner' || role === 'moderator';
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
export const isGuestId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;

/** A refusal the client is told about in its ack. */
export class ChatFailure extends Error {
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

/** Registers a handler: validates nothing itself, turns ChatFailure into an error ack, never throws. */
export function handle(log: Logger, socket: ChatSocket, event: string, fn: (payload: unknown) => Promise<object>): void {
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

export const channelArg = (payload: unknown): string => {
  if (!isObj(payload) || !isChannelName(payload.channel)) throw new ChatFailure('bad_request', 'Give the channel name, e.g. { channel: "alice" }.');
  return payload.channel.toLowerCase();
};

export const durationArg = (v: unknown, required: boolean): number | undefined => {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > CHAT_LIMITS.maxTimeoutSeconds) {
    throw new ChatFailure('bad_request', `seconds must be a whole number from 1 to ${CHAT_LIMITS.maxTimeoutSeconds}.`);
  }
  return v;
};

export const identityKey = (id: ChatIdentity) => (id.kind === 'user' ? `u:${id.userId}` : `g:${id.guestId}`);

/** Whom a ban is checked against: the user, or the guest and its address. */
export const subjectOf = (identity: ChatIdentity, ipHash: string) =>
  identity.kind === 'user' ? { userId: identity.userId } : { guestId: identity.guestId, ipHash };

export const toChatMessage = (m: StoredChatMessage, channel: string): ChatMessage => ({
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
