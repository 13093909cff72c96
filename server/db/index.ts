// The database layer's public surface. Other modules import from here.
export { openDatabase, isPostgresUrl, DB_LIMITS, type Db, type DbConfig } from './database.js';
export type { Database, TokenKind } from './schema.js';
export { DbError, ValidationError, isUniqueViolation, type DbErrorCode } from './errors.js';
export type { User, Channel, Replay, ResolvedToken, RepoOptions } from './models.js';
export { AccountsService, createAccount, type AccountOptions } from './accounts.js';
export { UsersRepo } from './users.js';
export { TokensRepo, TOKEN_KINDS, TOKEN_LIMITS } from './auth-tokens.js';
export { ChannelsRepo } from './channels.js';
export { ReplaysRepo, REPLAY_LIMITS, type NewReplay, type RetentionPolicy } from './replays.js';
export { LoginRateLimiter, LOGIN_RATE_LIMITS, type LoginRateLimiterOptions, type RateLimitDecision } from './rate-limit.js';
export { hashPassword, verifyPassword, needsRehash, DEFAULT_SCRYPT, type ScryptParams } from './passwords.js';
export { newToken, newStreamKey, hashToken } from './tokens.js';
export { ACCOUNT_LIMITS, RESERVED_USERNAMES, validateUsername, validatePassword, validateTitle } from './validation.js';
export { migrations, migrateToLatest, type SqlDialect } from './migrations.js';
export { FollowsRepo, InvitesRepo, SettingsRepo, SOCIAL_LIMITS, inviteState, newInviteToken, type Invite, type InviteState, type RedeemOutcome, type FollowerRow, type FollowedChannelRow } from './social.js';
export { TAG_LIMITS, VISIBILITIES, normalizeTags, validateVisibility } from './validation.js';
export type { ChannelSettings } from './channels.js';
