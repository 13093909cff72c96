// The one place the renderer gets API and chat types from: re-exports of server/api/types.ts and
// server/api/chat.ts (declared once there; never redeclared here).
export type {
  ApiError,
  ApiErrorCode,
  ApiInvite,
  ApiReplay,
  ApiUser,
  AuthResult,
  ChannelSettingsUpdate,
  ChannelVisibility,
  Credentials,
  FollowState,
  InviteCreated,
  InviteLanding,
  InviteRequest,
  KeyframeCadence,
  KeyframeWarning,
  LiveChannel,
  MediaToken,
  MyChannel,
  NewStreamKey,
  PasswordChange,
  PublicChannel,
  RedeemResult,
  SessionMode,
  TagCount,
} from '../../server/api/types.js';

import type { ApiReplay } from '../../server/api/types.js';

/** GET /api/replays/:id: a replay and its channel. */
export type ReplayWithChannel = ApiReplay & { channel: string | null };

// ---- Text rules (what counts as a character): declared in server/api/text-rules.ts ----
export { graphemeLength } from '../../server/api/text-rules.js';

// ---- Chat over socket.io: declared in server/api/chat.ts ----
export { CHAT_LIMITS, CHAT_PATH } from '../../server/api/chat.js';
export type {
  ChatAck,
  ChatClientToServer,
  ChatError,
  ChatMessage,
  ChatRole,
  ChatServerToClient,
  ChatSystemKind,
  JoinResult,
  NoticeEvent,
  SystemEvent,
} from '../../server/api/chat.js';
