import { sql } from 'kysely';
import type { Db } from './database.js';
import { DbError } from './errors.js';
import { createAccount, type AccountOptions } from './accounts.js';
import { toUser, USER_COLUMNS, type User } from './models.js';
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
            .select([...USER_COLUMNS, 'password_hash'])
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
    const row = await this.db.kysely.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async byUsername(username: string): Promise<User | null> {
    if (typeof username !== 'string' || username.length > 64) return null;
    const row = await this.db.kysely.selectFrom('users').select(USER_COLUMNS).where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** Makes the user an admin (on) or not (off). False when there is no such user. */
  async setAdmin(userId: number, on: boolean): Promise<boolean> {
    const res = await this.db.kysely
      .updateTable('users')
      .set({ is_admin: on ? 1 : 0 })
      .where('id', '=', userId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Read on every operator request, so `user admin NAME off` takes effect at once on every process. */
  async isAdmin(userId: number): Promise<boolean> {
    const row = await this.db.kysely.selectFrom('users').select('is_admin').where('id', '=', userId).executeTakeFirst();
    return Number(row?.is_admin ?? 0) === 1;
  }

  /** Disables the account (on) or enables it again (off). False when there is no such user. */
  async setDisabled(userId: number, on: boolean): Promise<boolean> {
    const res = await this.db.kysely
      .updateTable('users')
      .set({ disabled_at: on ? Date.now() : null })
      .where('id', '=', userId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Read on every publish, so disabling takes effect on every process at once. */
  async isDisabled(userId: number): Promise<boolean> {
    const row = await this.db.kysely.selectFrom('users').select('disabled_at').where('id', '=', userId).executeTakeFirst();
    return row?.disabled_at != null;
  }

  /** A page of users, oldest first, whose name contains `search` (case-insensitive), and how many match. */
  async page(search: string, offset: number, limit: number): Promise<{ users: User[]; total: number }> {
    let q = this.db.kysely.selectFrom('users');
    const needle = search.trim().toLowerCase();
    // LIKE wildcards in the search are matched as themselves (both dialects take an ESCAPE clause).
    const pattern = `%${needle.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    if (needle) q = q.where(sql<boolean>`username_lower like ${pattern} escape '\\'`);
    const [rows, count] = await Promise.all([
      q.select(USER_COLUMNS).orderBy('id').offset(offset).limit(limit).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { users: rows.map(toUser), total: Number(count.n) };
  }

  /** How many accounts there are, admins and disabled among them. */
  async counts(): Promise<{ total: number; admins: number; disabled: number }> {
    const rows = await this.db.kysely.selectFrom('users').select(['is_admin', 'disabled_at']).execute();
    return {
      total: rows.length,
      admins: rows.filter((r) => Number(r.is_admin) === 1).length,
      disabled: rows.filter((r) => r.disabled_at !== null).length,
    };
  }

  /** All users, oldest first. */
  async list(): Promise<User[]> {
    const rows = await this.db.kysely.selectFrom('users').select(USER_COLUMNS).orderBy('id').execute();
    return rows.map(toUser);
  }
}
