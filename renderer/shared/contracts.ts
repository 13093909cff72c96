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
  InviteLink,
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
  ReplayUpdate,
  SessionMode,
  SignupMode,
  SignupPolicy,
  TagCount,
  WebhookDelivery,
  WebhookEvent,
  WebhookFormat,
  WebhookRequest,
  WebhookTestResult,
  ApiWebhook,
  VerticalRendition,
  ApiDestination,
  DestinationRequest,
  DestinationState,
  DestinationStatus,
  DestinationStats,
  ApiModerator,
  ModerationAction,
  ModerationLogEntry,
  ModerationLogPage,
  MyStream,
  MyStreams,
  StreamEvent,
  StreamEventKind,
  StreamMetrics,
  AdminLiveStream,
  AdminOverview,
  AdminUser,
  AdminUsers,
  AdminReplay,
  AdminReplays,
  AdminSystem,
  AdminUserChange,
  SystemSample,
} from '../../server/api/types.js';
export { WEBHOOK_LIMITS, DESTINATION_LIMITS, DESTINATION_PRESETS } from '../../server/api/types.js';

/** GET /api/replays/:id: a replay, its channel and its vertical companion. */
export type { ApiReplayDetail as ReplayWithChannel } from '../../server/api/types.js';

// ---- Text rules (what counts as a character): declared in server/api/text-rules.ts ----
export { graphemeLength } from '../../server/api/text-rules.js';

// ---- Channel tags (what a tag is, as the server stores it): declared in server/api/tag-rules.ts ----
export { checkTag, checkTags, splitTagText, TAG_LIMITS } from '../../server/api/tag-rules.js';

// ---- Chat over socket.io: declared in server/api/chat.ts ----
export { CHAT_LIMITS, CHAT_PATH, CHAT_SETTINGS_LIMITS } from '../../server/api/chat.js';
export type {
  ChatAck,
  ChatClientToServer,
  ChatError,
  ChatMessage,
  ChatRole,
  ChatServerToClient,
  ChatSystemKind,
  ChatSettings,
  PublicChatSettings,
  SettingsEvent,
  RoleEvent,
  HiddenEvent,
  DirectoryEvent,
  JoinResult,
  NoticeEvent,
  SystemEvent,
} from '../../server/api/chat.js';
