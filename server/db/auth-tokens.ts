// Session and bearer tokens. The raw token is returned once by issue() and never stored: the table holds
// its sha256, and lookups hash the presented token first.
import type { Db } from './database.js';
import { ValidationError } from './errors.js';
import type { RepoOptions, ResolvedToken } from './models.js';
import type { TokenKind } from './schema.js';
import { hashToken, newToken } from './tokens.js';

export const TOKEN_KINDS: readonly TokenKind[] = ['session', 'bearer'];

export const TOKEN_LIMITS = {
  /** last_used_at is written at most this often per token. */
  touchIntervalMs: 60_000,
  maxTtlSeconds: 10 * 365 * 24 * 3600,
  /** Presented tokens outside these lengths are rejected without a query. */
  minLength: 16,
  maxLength: 256,
} as const;

export class TokensRepo {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    opts: RepoOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Returns the raw token; it cannot be recovered later. */
  async issue(userId: number, kind: TokenKind, ttlSeconds: number): Promise<string> {
    if (!TOKEN_KINDS.includes(kind)) throw new ValidationError('invalid_token_kind', `Unknown token kind "${String(kind)}".`);
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > TOKEN_LIMITS.maxTtlSeconds) {
      throw new ValidationError('invalid_ttl', 'Token lifetime must be positive and at most ten years.');
    }
    const raw = newToken();
    const now = this.now();
    await this.db.kysely
      .insertInto('auth_tokens')
      .values({
        user_id: userId,
        token_hash: hashToken(raw),
        kind,
        created_at: now,
        expires_at: now + Math.round(ttlSeconds * 1000),
        last_used_at: null,
      })
      .execute();
    return raw;
  }

  /** The token's owner and kind, or null if unknown, revoked or expired. Touches last_used_at at most once a minute. */
  async resolve(rawToken: string): Promise<ResolvedToken | null> {
    if (!isPlausible(rawToken)) return null;
    const hash = hashToken(rawToken);
    const row = await this.db.kysely
      .selectFrom('auth_tokens')
      .select(['id', 'user_id', 'kind', 'expires_at', 'last_used_at'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    if (Number(row.expires_at) <= now) {
      await this.db.kysely.deleteFrom('auth_tokens').where('id', '=', row.id).execute();
      return null;
    }
    if (row.last_used_at === null || now - Number(row.last_used_at) >= TOKEN_LIMITS.touchIntervalMs) {
      await this.db.kysely.updateTable('auth_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    return { userId: row.user_id, kind: row.kind, expiresAt: Number(row.expires_at) };
  }

  /** Revokes one token; returns its owner's user id (so callers can announce it), or null if none matched. */
  async revoke(rawToken: string): Promise<number | null> {
    if (!isPlausible(rawToken)) return null;
    const row = await this.db.kysely.deleteFrom('auth_tokens').where('token_hash', '=', hashToken(rawToken)).returning('user_id').executeTakeFirst();
    return row ? row.user_id : null;
  }

  /** Revokes every token of the user (optionally only one kind); returns how many. */
  async revokeAllForUser(userId: number, kind?: TokenKind): Promise<number> {
    let q = this.db.kysely.deleteFrom('auth_tokens').where('user_id', '=', userId);
    if (kind) q = q.where('kind', '=', kind);
    const res = await q.executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Revokes every token of the user but the one given (the session that asked stays signed in); returns how many. */
  async revokeAllForUserExcept(userId: number, keepRawToken: string): Promise<number> {
    const res = await this.db.kysely
      .deleteFrom('auth_tokens')
      .where('user_id', '=', userId)
      .where('token_hash', '!=', hashToken(keepRawToken))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Deletes expired tokens; returns how many. Call it from a periodic housekeeping task. */
  async purgeExpired(): Promise<number> {
    const res = await this.db.kysely.deleteFrom('auth_tokens').where('expires_at', '<=', this.now()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function isPlausible(raw: unknown): raw is string {
  return typeof raw === 'string' && raw.length >= TOKEN_LIMITS.minLength && raw.length <= TOKEN_LIMITS.maxLength;
}
