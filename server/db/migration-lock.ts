// The PostgreSQL migration lock, one per schema. Kysely's own adapter locks one fixed advisory key for the whole
// database and waits for it for up to an hour: every schema in the database, and every other Kysely application
// sharing it, queued behind whichever process held that key, and a process stuck while holding it stopped all the
// others with no word of who. Here the key is the schema being migrated, the wait is bounded, and a wait that runs
// out names the session that holds the lock.
import { PostgresAdapter, sql, type Kysely, type MigrationLockOptions } from 'kysely';
import { DbError } from './errors.js';

/** The first half of the two-part advisory key; the second half is the schema's hash. */
const LOCK_SPACE = 'onair.migrations';
const RETRY_MS = 200;

export class SchemaMigrationLockAdapter extends PostgresAdapter {
  constructor(private readonly waitMs: number) {
    super();
  }

  override async acquireMigrationLock(db: Kysely<any>, opt: MigrationLockOptions): Promise<void> {
    const schema = opt.lockTableSchema ?? 'public';
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      // A session-level lock on the connection Kysely migrates on; a try, so the wait is ours to bound.
      const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtext(${LOCK_SPACE}), hashtext(${schema})) as ok`.execute(db);
      if (rows[0]?.ok) return;
      if (Date.now() >= deadline) {
        throw new DbError(
          'migration_locked',
          `Another session has been migrating PostgreSQL schema "${schema}" for over ${Math.round(this.waitMs / 1000)} s ` +
            `(${await lockHolder(db, schema)}); it may be stuck: stop it, or end that session.`,
        );
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  override async releaseMigrationLock(db: Kysely<any>, opt: MigrationLockOptions): Promise<void> {
    const schema = opt.lockTableSchema ?? 'public';
    await sql`select pg_advisory_unlock(hashtext(${LOCK_SPACE}), hashtext(${schema}))`.execute(db);
  }
}

/** Who holds the schema's migration lock, in words an operator can act on. */
async function lockHolder(db: Kysely<any>, schema: string): Promise<string> {
  try {
    // A two-part advisory key shows in pg_locks as classid/objid (each int4 read as an unsigned oid), objsubid 2.
    const { rows } = await sql<{ pid: number; app: string | null; client: string | null; state: string | null; held_s: number | null }>`
      select a.pid, a.application_name as app, a.client_addr::text || ':' || a.client_port as client, a.state,
             round(extract(epoch from now() - a.state_change))::int as held_s
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and l.granted and l.objsubid = 2
         and l.classid::bigint = (hashtext(${LOCK_SPACE})::bigint + 4294967296) % 4294967296
         and l.objid::bigint = (hashtext(${schema})::bigint + 4294967296) % 4294967296`.execute(db);
    const h = rows[0];
    if (!h) return 'it was released just now';
    return `held by PostgreSQL session ${h.pid}${h.app ? ` (${h.app})` : ''}${h.client ? ` from ${h.client}` : ''}, ${h.state ?? 'unknown state'} for ${h.held_s ?? '?'} s`;
  } catch (err) {
    return `its holder could not be read: ${(err as Error).message}`;
  }
}
