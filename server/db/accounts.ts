// Signup: a user and their channel are created together, in one transaction, so every user has a channel.
import type { Db } from './database.js';
import { DbError, isUniqueViolation } from './errors.js';
import { toChannel, toUser, type Channel, type RepoOptions, type User } from './models.js';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './passwords.js';
import { newStreamKey } from './tokens.js';
import { validatePassword, validateUsername } from './validation.js';

export interface AccountOptions extends RepoOptions {
  /** Hashing parameters for new passwords (default DEFAULT_SCRYPT). */
  scrypt?: ScryptParams;
}

export function usernameTaken(username: string): DbError {
  return new DbError('username_taken', `The username "${username}" is already taken.`);
}

/** Validates, hashes, then inserts the user and the channel in one transaction. */
export async function createAccount(
  db: Db,
  username: string,
  password: string,
  opts: AccountOptions = {},
): Promise<{ user: User; channel: Channel }> {
  validateUsername(username);
  validatePassword(password);
  const lower = username.toLowerCase();

  // Answer the common case before spending a scrypt hash on it; the unique index still decides races.
  const existing = await db.kysely.selectFrom('users').select('id').where('username_lower', '=', lower).executeTakeFirst();
  if (existing) throw usernameTaken(username);

  const passwordHash = await hashPassword(password, opts.scrypt ?? DEFAULT_SCRYPT);
  const now = (opts.now ?? Date.now)();
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const userRow = await trx
        .insertInto('users')
        .values({ username, username_lower: lower, password_hash: passwordHash, created_at: now })
        .returning(['id', 'username', 'created_at'])
        .executeTakeFirstOrThrow();
      const channelRow = await trx
        .insertInto('channels')
        .values({ user_id: userRow.id, name: lower, stream_key: newStreamKey(), title: '', created_at: now, key_updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { user: toUser(userRow), channel: toChannel(channelRow) };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw usernameTaken(username);
    throw err;
  }
}

export class AccountsService {
  constructor(
    private readonly db: Db,
    private readonly opts: AccountOptions = {},
  ) {}

  /** Throws ValidationError ('invalid_username' | 'username_reserved' | 'weak_password' | 'password_too_long') or DbError ('username_taken'). */
  createUserWithChannel(username: string, password: string): Promise<{ user: User; channel: Channel }> {
    return createAccount(this.db, username, password, this.opts);
  }
}
