import type { Db } from './database.js';
import { DbError } from './errors.js';
import { createAccount, type AccountOptions } from './accounts.js';
import { toUser, type User } from './models.js';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { ACCOUNT_LIMITS, validatePassword } from './validation.js';

export class UsersRepo {
  /** A hash of a random password, verified against when the username does not exist, so that a miss costs
   * as much time as a wrong password (no username probing by timing). */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Db,
    private readonly opts: AccountOptions = {},
  ) {}

  private get params() {
    return this.opts.scrypt ?? DEFAULT_SCRYPT;
  }

  /** Creates the user AND their channel (one transaction). Same errors as AccountsService.createUserWithChannel. */
  async create(username: string, password: string): Promise<User> {
    return (await createAccount(this.db, username, password, this.opts)).user;
  }

  /** The user if the password matches, else null. Case-insensitive username. Upgrades old hash parameters. */
  async verify(username: string, password: string): Promise<User | null> {
    if (typeof username !== 'string' || typeof password !== 'string') return null;
    const row =
      username.length <= 64
        ? await this.db.kysely
            .selectFrom('users')
            .select(['id', 'username', 'created_at', 'password_hash'])
            .where('username_lower', '=', username.toLowerCase())
            .executeTakeFirst()
        : undefined;
    // No stored password is longer than the signup limit; do not hash megabytes for an attacker.
    const pw = password.length <= ACCOUNT_LIMITS.passwordMax ? password : '';
    if (!row) {
      this.dummyHash ??= hashPassword('not-a-real-password-' + Math.random(), this.params);
      await verifyPassword(pw, await this.dummyHash);
      return null;
    }
    if (!(await verifyPassword(pw, row.password_hash))) return null;
    if (needsRehash(row.password_hash, this.params)) {
      const fresh = await hashPassword(password, this.params);
      await this.db.kysely.updateTable('users').set({ password_hash: fresh }).where('id', '=', row.id).execute();
    }
    return toUser(row);
  }

  /** Replaces the password. Callers usually also revoke the user's tokens (TokensRepo.revokeAllForUser). */
  async setPassword(userId: number, password: string): Promise<void> {
    validatePassword(password);
    const hash = await hashPassword(password, this.params);
    const res = await this.db.kysely.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new DbError('not_found', 'No such user.');
  }

  async byId(id: number): Promise<User | null> {
    const row = await this.db.kysely.selectFrom('users').select(['id', 'username', 'created_at']).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async byUsername(username: string): Promise<User | null> {
    if (typeof username !== 'string' || username.length > 64) return null;
    const row = await this.db.kysely
      .selectFrom('users')
      .select(['id', 'username', 'created_at'])
      .where('username_lower', '=', username.toLowerCase())
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** All users, oldest first. */
  async list(): Promise<User[]> {
    const rows = await this.db.kysely.selectFrom('users').select(['id', 'username', 'created_at']).orderBy('id').execute();
    return rows.map(toUser);
  }
}
