// The access_changes table: a short-lived log of what took access back, read by every server process that shares
// the database (server/access/change-bus.ts). Rows are pruned after ACCESS_CHANGE_LIMITS.keepMs.
import type { Db } from './database.js';

export interface StoredAccessChange {
  id: number;
  createdAt: number;
  body: string;
}

export class AccessChangesRepo {
  /** SQLite's data_version at the last look. */
  private dataVersion: number | undefined;

  constructor(private readonly db: Db) {}

  /**
   * Whether another process may have written rows since the last call. SQLite tells cheaply: its data_version moves
   * when another connection commits (this process's own writes are dispatched as they are made). PostgreSQL has no
   * such counter: always true, and the rows are read.
   */
  changedElsewhere(): boolean {
    if (!this.db.dataVersion) return true;
    const version = this.db.dataVersion();
    const changed = version !== this.dataVersion;
    this.dataVersion = version;
    return changed;
  }

  async append(body: string, at: number): Promise<number> {
    const row = await this.db.kysely.insertInto('access_changes').values({ created_at: at, body }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  /** Rows written at or after `since` (epoch ms), oldest first, at most `limit`. */
  async since(since: number, limit: number): Promise<StoredAccessChange[]> {
    const rows = await this.db.kysely
      .selectFrom('access_changes')
      .select(['id', 'created_at', 'body'])
      .where('created_at', '>=', since)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: Number(r.created_at), body: r.body }));
  }

  async prune(olderThan: number): Promise<number> {
    const res = await this.db.kysely.deleteFrom('access_changes').where('created_at', '<', olderThan).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
