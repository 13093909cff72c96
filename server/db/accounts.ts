// Signup: a user and their channel are created together, in one transaction, so every user has a channel. A sign-up
// with an invite link uses the invite in that same transaction: an invite that cannot be used creates no account.
import type { Db } from './database.js';
import { DbError, isUniqueViolation } from './errors.js';
import { toChannel, toUser, USER_COLUMNS, type Channel, type RepoOptions, type User } from './models.js';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './passwords.js';
import { INVITE_REFUSALS, InvitesRepo, inviteState, redeemInvite } from './invites.js';
import { newStreamKey } from './tokens.js';
import { validatePassword, validateUsername } from './validation.js';

export interface AccountOptions extends RepoOptions {
  /** Hashing parameters for new passwords (default DEFAULT_SCRYPT). */
  scrypt?: ScryptParams;
}

export interface NewAccountOptions {
  /** A channel invite token: one of its uses is counted and the new account may watch that channel. */
  invite?: string;
}

const INVITE_NOT_FOUND = 'This invite link is not valid. Check that it was copied whole.';

function inviteRefused(state: keyof typeof INVITE_REFUSALS): DbError {
  const r = INVITE_REFUSALS[state];
  return new DbError(r.code, r.message);
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
  extra: NewAccountOptions = {},
): Promise<{ user: User; channel: Channel }> {
  validateUsername(username);
  validatePassword(password);
  const lower = username.toLowerCase();

  // Answer the common cases before spending a scrypt hash on them; the unique index and the invite's conditional
  // update in the transaction still decide races.
  const existing = await db.kysely.selectFrom('users').select('id').where('username_lower', '=', lower).executeTakeFirst();
  if (existing) throw usernameTaken(username);
  if (extra.invite !== undefined) {
    const invite = await new InvitesRepo(db).byToken(extra.invite);
    if (!invite) throw new DbError('invite_not_found', INVITE_NOT_FOUND);
    const state = inviteState(invite, (opts.now ?? Date.now)());
    if (state !== 'valid') throw inviteRefused(state);
  }

  const passwordHash = await hashPassword(password, opts.scrypt ?? DEFAULT_SCRYPT);
  const now = (opts.now ?? Date.now)();
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const userRow = await trx
        .insertInto('users')
        .values({ username, username_lower: lower, password_hash: passwordHash, created_at: now })
        .returning(USER_COLUMNS)
        .executeTakeFirstOrThrow();
      const channelRow = await trx
        .insertInto('channels')
        .values({ user_id: userRow.id, name: lower, stream_key: newStreamKey(), title: '', created_at: now, key_updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (extra.invite !== undefined) {
        const outcome = await redeemInvite(trx, extra.invite, now, userRow.id);
        if (!outcome) throw new DbError('invite_not_found', INVITE_NOT_FOUND);
        if (!outcome.ok) throw inviteRefused(outcome.state);
      }
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

  /**
   * Throws ValidationError ('invalid_username' | 'username_reserved' | 'weak_password' | 'password_too_long') or
   * DbError ('username_taken'; with an invite 'invite_not_found' | 'invite_expired' | 'invite_used_up' | 'invite_revoked').
   */
  createUserWithChannel(username: string, password: string, extra: NewAccountOptions = {}): Promise<{ user: User; channel: Channel }> {
    return createAccount(this.db, username, password, this.opts, extra);
  }
}
