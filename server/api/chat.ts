// Live chat over socket.io: event names, payloads and limits, declared once. The server (server/chat), the viewer
// app and the studio import these. No Node imports here: the renderer bundles this file.
//
//   import { io, type Socket } from 'socket.io-client';
//   import type { ChatClientToServer, ChatServerToClient } from '../server/api/chat.js';
//   const socket: Socket<ChatServerToClient, ChatClientToServer> = io(base, { path: CHAT_PATH, auth: { token } });
//
// docs/API.md ("Chat events") is written from this file.
import type { Identity, LiveChannel } from './types.js';

/** socket.io endpoint path on the HTTP server. */
export const CHAT_PATH = '/socket.io';

/** Limits clients may want to show (the server enforces them). */
export const CHAT_LIMITS = {
  /** After trimming and stripping control characters; counted in grapheme clusters (server/api/text-rules.ts). */
  maxMessageChars: 500,
  /** Messages sent with the join answer. */
  historySize: 100,
  /**
   * Stream start and end notices kept in an unbroken run (no message between them): older ones in the run are
   * deleted, so restarts cannot push the conversation out of the history. Apps fold such runs into one line.
   */
  streamNoticeRunMax: 20,
  /** Per user (or guest), across channels: a bucket of `rateBurst` messages refilled at `rateBurst / rateWindowSeconds` per second. */
  rateBurst: 5,
  rateWindowSeconds: 5,
  /** Channels one connection may have joined at once. */
  maxRoomsPerSocket: 10,
  /** Largest socket.io packet the server reads (socket.io `maxHttpBufferSize`). */
  maxPayloadBytes: 16 * 1024,
  /** Other events (join, leave, moderation) per connection, burst and refill window. */
  opsBurst: 20,
  opsWindowSeconds: 10,
  /** `viewers` is sent at most this often per channel, and only when the count changed. */
  viewersIntervalMs: 2000,
  /** Longest timeout a moderator can give; longer bans are bans. */
  maxTimeoutSeconds: 7 * 24 * 3600,
  channelNameMaxLength: 64,
} as const;

/** Bounds of a channel's chat modes (ChatSettings); the server refuses values outside them. */
export const CHAT_SETTINGS_LIMITS = {
  slowModeMinSeconds: 3,
  slowModeMaxSeconds: 120,
  /** Followers-only: how long someone must have followed; 0 = any follower. */
  followersOnlyMaxMinutes: 90 * 24 * 60,
  firstMessageDelayMaxMinutes: 7 * 24 * 60,
  maxBlockedTerms: 200,
  blockedTermMaxChars: 100,
  /** Moderators per channel. */
  maxModerators: 100,
  /** Moderation log entries per page. */
  logPageSize: 50,
} as const;

/**
 * A channel's chat modes. Owner and moderators are exempt from all of them. null turns a mode off.
 * blockedTerms: `*` stands for any letters within a word; matched after normalisation (server/chat/blocked-terms.ts).
 */
export interface ChatSettings {
  /** One message per this many seconds per person (3 .. 120). */
  slowModeSeconds: number | null;
  /** Only followers may chat; followed for at least this many minutes (0: any follower). Guests cannot. */
  followersOnlyMinutes: number | null;
  /** No guest (invite) messages. */
  signedInOnly: boolean;
  blockedTerms: string[];
  /** Accounts younger than this many minutes cannot chat yet. */
  firstMessageDelayMinutes: number | null;
}

/** What everyone in the chat sees of its modes: the term list stays with the owner and moderators. */
export type PublicChatSettings = Omit<ChatSettings, 'blockedTerms'> & { blockedTermsCount: number };

export const CHAT_SETTINGS_OFF: ChatSettings = {
  slowModeSeconds: null,
  followersOnlyMinutes: null,
  signedInOnly: false,
  blockedTerms: [],
  firstMessageDelayMinutes: null,
};

export const publicChatSettings = ({ blockedTerms, ...rest }: ChatSettings): PublicChatSettings => ({
  ...rest,
  blockedTermsCount: blockedTerms.length,
});

/** Who a chat connection is: the shared `Identity` (server/api/types.ts), produced by the session / invite code. */
export type ChatIdentity = Identity;

export type ChatRole = 'owner' | 'moderator' | 'viewer' | 'guest';

export type ChatAuthorKind = 'user' | 'guest' | 'system';

export interface ChatMessage {
  id: number;
  /** Channel name (lowercase). */
  channel: string;
  author: {
    name: string;
    kind: ChatAuthorKind;
    /** Present for signed-in users (public: it is the channel owner's user id space). */
    userId?: number;
  };
  text: string;
  /** ISO 8601. */
  at: string;
  /** System messages only. */
  system?: ChatSystemKind;
}

/** `modes`: the chat's modes changed (not kept in the history). */
export type ChatSystemKind = 'live' | 'ended' | 'moderation' | 'modes';

/** Every failed ack carries one of these codes and a plain-words message. */
export type ChatErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'forbidden'
  | 'sign_in_required'
  | 'banned'
  | 'timed_out'
  | 'not_joined'
  | 'too_many_rooms'
  | 'empty'
  | 'too_long'
  | 'rate_limited'
  | 'slow_mode'
  | 'followers_only'
  | 'signed_in_only'
  | 'blocked_term'
  | 'first_message_delay'
  | 'internal';

export interface ChatError {
  code: ChatErrorCode;
  message: string;
  /** rate_limited, timed_out, slow_mode, and followers_only / first_message_delay when waiting will do. */
  retryAfterSeconds?: number;
}

export type ChatFail = { ok: false; error: ChatError };
export type ChatAck<T extends object = Record<never, never>> = ({ ok: true } & T) | ChatFail;

// ---- client -> server ----

export interface JoinRequest {
  channel: string;
}
export interface JoinResult {
  channel: string;
  /** Last CHAT_LIMITS.historySize messages, oldest first (deleted ones left out). */
  history: ChatMessage[];
  viewers: number;
  you: { name: string; role: ChatRole; canModerate: boolean; signedIn: boolean };
  /** The chat's modes (also sent as `settings` when they change). */
  settings: PublicChatSettings;
}

export interface SendRequest {
  channel: string;
  text: string;
}
export interface SendResult {
  message: ChatMessage;
}

export interface LeaveRequest {
  channel: string;
}

/** Whom a moderation action is about: a signed-in user, a guest, or the author of a message. */
export type ModerationTarget = { userId: number } | { guestId: string } | { messageId: number };

export interface DeleteRequest {
  channel: string;
  messageId: number;
}
export interface TimeoutRequest {
  channel: string;
  target: ModerationTarget;
  /** 1 .. CHAT_LIMITS.maxTimeoutSeconds */
  seconds: number;
}
export interface BanRequest {
  channel: string;
  target: ModerationTarget;
  /** Optional: a ban that ends by itself. Absent: permanent until unban. */
  seconds?: number;
  /** Also hide the user's (or guest's) messages in this chat: open clients get `hidden`. */
  hideMessages?: boolean;
}
export interface UnbanRequest {
  channel: string;
  target: { userId: number } | { guestId: string };
}

/** Owner or moderators: change some of the chat's modes (fields left out stay as they are). */
export type ChatSettingsRequest = { channel: string } & Partial<ChatSettings>;
export interface ChatSettingsResult {
  settings: ChatSettings;
}
/** Owner only: appoint or remove a moderator (a signed-in user, e.g. a message's author). */
export interface ModeratorRequest {
  channel: string;
  userId: number;
}

export interface ModerationResult {
  /** Rows affected (bans lifted by unban; 1 for the others). */
  affected: number;
}

type Ack<T extends object = Record<never, never>> = (reply: ChatAck<T>) => void;

export interface ChatClientToServer {
  join: (req: JoinRequest, ack: Ack<JoinResult>) => void;
  send: (req: SendRequest, ack: Ack<SendResult>) => void;
  leave: (req: LeaveRequest, ack?: Ack) => void;
  delete: (req: DeleteRequest, ack: Ack<ModerationResult>) => void;
  timeout: (req: TimeoutRequest, ack: Ack<ModerationResult>) => void;
  ban: (req: BanRequest, ack: Ack<ModerationResult>) => void;
  unban: (req: UnbanRequest, ack: Ack<ModerationResult>) => void;
  settings: (req: ChatSettingsRequest, ack: Ack<ChatSettingsResult>) => void;
  addModerator: (req: ModeratorRequest, ack: Ack<ModerationResult>) => void;
  removeModerator: (req: ModeratorRequest, ack: Ack<ModerationResult>) => void;
}

// ---- server -> client ----

export interface DeletedEvent {
  channel: string;
  id: number;
}
export interface SystemEvent {
  channel: string;
  text: string;
  kind: ChatSystemKind;
  /** For persisted system messages (live / ended). */
  message?: ChatMessage;
}
export interface ViewersEvent {
  channel: string;
  count: number;
}
/**
 * To the followers of a channel: it went live (`title` only for followers who may watch it: others learn the name
 * alone), or its stream ended.
 */
export type NoticeEvent = { kind: 'followed-live'; channel: string; title?: string } | { kind: 'followed-ended'; channel: string };

/**
 * To every connection: a public channel went live (with its entry as the live directory lists it) or its stream
 * ended. Lists update from it at once, without asking the API.
 */
export type DirectoryEvent = { channel: string; live: true; entry: LiveChannel } | { channel: string; live: false };
/**
 * Sent to a connection removed from a channel; it is no longer in the room. `banned`: a moderator banned it;
 * `access`: it may no longer watch (invite withdrawn, follow removed, visibility changed); `signed_out`: the sign-in
 * it connected with was revoked (the connection is then closed).
 */
export interface RemovedEvent {
  channel: string;
  reason: 'banned' | 'access' | 'signed_out';
}

/** The chat's modes changed (to everyone in the room). */
export interface SettingsEvent {
  channel: string;
  settings: PublicChatSettings;
}
/** Your role in a channel changed (appointed or removed as moderator), to every connection of that user. */
export interface RoleEvent {
  channel: string;
  role: ChatRole;
  canModerate: boolean;
}
/** Messages hidden with a ban (`hideMessages`): clients remove them. */
export interface HiddenEvent {
  channel: string;
  ids: number[];
}

export interface ChatServerToClient {
  message: (m: ChatMessage) => void;
  /** Several messages in one frame, oldest first: a busy room gets at most one frame per 100 ms. */
  messages: (ms: ChatMessage[]) => void;
  deleted: (e: DeletedEvent) => void;
  system: (e: SystemEvent) => void;
  viewers: (e: ViewersEvent) => void;
  notice: (e: NoticeEvent) => void;
  directory: (e: DirectoryEvent) => void;
  removed: (e: RemovedEvent) => void;
  settings: (e: SettingsEvent) => void;
  role: (e: RoleEvent) => void;
  hidden: (e: HiddenEvent) => void;
}

/** socket.io handshake `auth` object a client sends. Cookies (the web session) are read from the headers. */
export interface ChatHandshakeAuth {
  /** Bearer token (desktop app, scripts). */
  token?: string;
  /** Guest token from an invite. */
  guestToken?: string;
}
