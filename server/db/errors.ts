// Errors thrown by the database layer carry a stable `code` (asserted by tests, mapped to HTTP statuses by the
// API) and a plain-words message that can be shown to the user as is.

export type DbErrorCode =
  | 'invalid_username'
  | 'username_reserved'
  | 'username_taken'
  | 'weak_password'
  | 'password_too_long'
  | 'invalid_title'
  | 'invalid_token_kind'
  | 'invalid_ttl'
  | 'invalid_replay'
  | 'replay_exists'
  | 'not_found'
  | 'invalid_tags'
  | 'invalid_visibility'
  | 'invalid_invite'
  | 'invite_not_found'
  | 'invite_expired'
  | 'invite_used_up'
  | 'invite_revoked'
  | 'cannot_follow_self'
  | 'invalid_webhook'
  | 'too_many_webhooks'
  | 'invalid_destination'
  | 'too_many_destinations'
  | 'unsupported_database_url'
  | 'invalid_pg_schema'
  | 'migration_failed'
  | 'migration_locked'
  | 'database_unreachable';

export class DbError extends Error {
  readonly code: DbErrorCode;
  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbError';
    this.code = code;
  }
}

/** Input rejected before touching the database (bad username, weak password, ...). */
export class ValidationError extends DbError {
  constructor(code: DbErrorCode, message: string) {
    super(code, message);
    this.name = 'ValidationError';
  }
}

/** True for a unique / primary-key constraint violation on either SQLite or PostgreSQL. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
