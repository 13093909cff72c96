// The HTTP API's payloads for chat moderation: moderators and the moderation log. Re-exported by types.ts.

/** GET /api/me/moderators (and POST's answer): someone the owner appointed to moderate the channel's chat. */
export interface ApiModerator {
  userId: number;
  username: string;
  /** ISO 8601: when appointed. */
  since: string;
}

/** What a moderation log entry records. */
export type ModerationAction = 'delete' | 'timeout' | 'ban' | 'unban' | 'settings' | 'moderator_added' | 'moderator_removed';

/** One moderation action in a channel: who did what, when, on whom. */
export interface ModerationLogEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  action: ModerationAction;
  /** Who did it (userId null once that account is deleted). */
  actor: { userId: number | null; name: string };
  /** On whom: a user, a guest (userId absent), or null (settings). */
  target: { name: string; userId?: number } | null;
  /** E.g. "600 s", "permanent, messages hidden", "slow mode 10 s", the deleted message's text. */
  detail: string | null;
}

/** GET /api/me/moderation-log: newest first; pass `before=<nextBefore>` for the next page. */
export interface ModerationLogPage {
  entries: ModerationLogEntry[];
  nextBefore: number | null;
}
