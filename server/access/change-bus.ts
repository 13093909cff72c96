// AccessChanges across every server process that shares the database: each change is a row in access_changes
// (durable, seen by a process that was briefly away) and, with Redis, also a pub/sub message (heard at once).
// Without Redis the table is read every ACCESS_CHANGE_LIMITS.pollMs, so a change reaches every process within
// about a second; with Redis the slower read only catches what a Redis outage dropped.
import { Redis } from 'ioredis';
import { leaveRedis } from '../cluster/leave-redis.js';
import { AccessChangesRepo } from '../db/access-changes.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import type { AccessChange, AccessChangeBus, AccessChangeListener } from './changes.js';

export const ACCESS_CHANGE_LIMITS = {
  /**
   * Without Redis, every process reads new rows this often, on the wakes of the other periodic jobs (periodic.ts):
   * twice a second it took a wake of its own every other time.
   */
  pollMs: 1_000,
  /** With Redis, rows are still read this often, to catch what a Redis outage dropped. */
  pollWithRedisMs: 5_000,
  /** Each read looks back this far: a row committed late (PostgreSQL ids are not commit order) is still seen. */
  lookBackMs: 30_000,
  /** Rows older than this are deleted. */
  keepMs: 3_600_000,
  maxRowsPerRead: 1_000,
} as const;

const KINDS = new Set<AccessChange['kind']>([
  'invite-revoked',
  'follow-removed',
  'visibility-changed',
  'banned',
  'stream-key-reset',
  'tokens-revoked',
]);

const seenKey = (id: number, body: string) => `${id}\u0000${body}`;

function parseChange(body: string): AccessChange | null {
  try {
    const c = JSON.parse(body);
    return c && typeof c === 'object' && KINDS.has(c.kind) ? (c as AccessChange) : null;
  } catch {
    return null;
  }
}

export interface SharedAccessChangeBusOptions {
  db: Db;
  /** redis://… to hear changes at once; absent: the table alone. */
  redisUrl?: string;
  /** Pub/sub channel name prefix (tests use a unique one). */
  redisPrefix?: string;
  logger: Logger;
  now?: () => number;
}

export class SharedAccessChangeBus implements AccessChangeBus {
  private readonly repo: AccessChangesRepo;
  private readonly listeners: AccessChangeListener[] = [];
  /**
   * Rows already dispatched here, keyed by id and body (a message from a deployment that shares the Redis server
   * but not the database cannot hide a row of ours), with their time; forgotten after 2 x lookBackMs.
   */
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;
  private readonly topic: string;
  private pub: Redis | undefined;
  private sub: Redis | undefined;
  private stopTimer: StopJob | undefined;
  private reading = false;
  private lastPrune = 0;

  constructor(private readonly opts: SharedAccessChangeBusOptions) {
    this.repo = new AccessChangesRepo(opts.db);
    this.now = opts.now ?? Date.now;
    this.topic = `${opts.redisPrefix ?? 'onair'}#access-changes`;
    if (opts.redisUrl) {
      this.pub = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
      this.pub.on('error', (err) => opts.logger.warn({ err: err.message, client: 'pub' }, 'access changes: redis error'));
    }
  }

  /**
   * Marks what is already in the table as seen (it was acted on before this process started), then listens. A
   * process that only publishes (the operator CLI) does not start.
   */
  async start(): Promise<void> {
    for (const row of await this.repo.since(this.now() - ACCESS_CHANGE_LIMITS.lookBackMs, ACCESS_CHANGE_LIMITS.maxRowsPerRead))
      this.seen.set(seenKey(row.id, row.body), row.createdAt);
    if (this.pub) {
      this.sub = this.pub.duplicate();
      this.sub.on('error', (err) => this.opts.logger.warn({ err: err.message, client: 'sub' }, 'access changes: redis error'));
      this.sub.on('message', (_topic: string, message: string) => this.onRedisMessage(message));
      // Not awaited: with Redis down the process still starts, and the table carries the changes.
      this.sub.subscribe(this.topic).catch((err: Error) => this.opts.logger.warn({ err: err.message }, 'access changes: redis subscribe failed'));
    }
    const period = this.opts.redisUrl ? ACCESS_CHANGE_LIMITS.pollWithRedisMs : ACCESS_CHANGE_LIMITS.pollMs;
    this.stopTimer = every(period, () => void this.read());
  }

  subscribe(listener: AccessChangeListener): void {
    this.listeners.push(listener);
  }

  async publish(change: AccessChange): Promise<void> {
    const body = JSON.stringify(change);
    const at = this.now();
    const id = await this.repo.append(body, at);
    this.seen.set(seenKey(id, body), at);
    this.dispatch(change);
    await this.pub?.publish(this.topic, JSON.stringify({ id, at, body })).catch((err: Error) => {
      this.opts.logger.warn(
        { err: err.message, kind: change.kind },
        'access changes: redis publish failed; other processes read it from the database',
      );
    });
  }

  async close(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await Promise.all([leaveRedis(this.sub), leaveRedis(this.pub)]);
  }

  private onRedisMessage(message: string): void {
    let m: { id?: unknown; at?: unknown; body?: unknown };
    try {
      m = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof m.id !== 'number' || typeof m.body !== 'string' || this.seen.has(seenKey(m.id, m.body))) return;
    this.seen.set(seenKey(m.id, m.body), typeof m.at === 'number' ? m.at : this.now());
    const change = parseChange(m.body);
    if (change) this.dispatch(change);
  }

  /** Reads recent rows and dispatches those not seen yet; prunes old rows now and then. */
  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const now = this.now();
      // Nothing written by another process since the last read (SQLite knows at the cost of a pragma): nothing new.
      if (!this.repo.changedElsewhere() && now - this.lastPrune <= ACCESS_CHANGE_LIMITS.keepMs / 4) return;
      for (const row of await this.repo.since(now - ACCESS_CHANGE_LIMITS.lookBackMs, ACCESS_CHANGE_LIMITS.maxRowsPerRead)) {
        const key = seenKey(row.id, row.body);
        if (this.seen.has(key)) continue;
        this.seen.set(key, row.createdAt);
        const change = parseChange(row.body);
        if (change) this.dispatch(change);
      }
      for (const [id, at] of this.seen) if (at < now - 2 * ACCESS_CHANGE_LIMITS.lookBackMs) this.seen.delete(id);
      if (now - this.lastPrune > ACCESS_CHANGE_LIMITS.keepMs / 4) {
        this.lastPrune = now;
        await this.repo.prune(now - ACCESS_CHANGE_LIMITS.keepMs);
      }
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'access changes: reading the database failed');
    } finally {
      this.reading = false;
    }
  }

  private dispatch(change: AccessChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.opts.logger.error({ err: (err as Error).message, kind: change.kind }, 'access change listener failed');
      }
    }
  }
}
