// Replay retention and crash recovery. Streams a previous process left unfinished (a crash, a kill) become replays;
// then replays past the age or total-size limits are deleted, oldest first. Runs at start, once more when folders
// touched just before a crash have been quiet long enough, and every LIMITS.retentionSweepSeconds. A replay its
// owner deletes goes the same way, and its row too. Tells whoever caches replays (the media routes) through
// 'replay-deleted'.
import { EventEmitter } from 'node:events';
import { LIMITS, type MediaConfig } from '../config.js';
import type { ReplaysRepo } from '../db/replays.js';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import type { LiveStreams } from '../media/live-streams.js';

export interface RetentionEvents {
  /** A replay was deleted (its row marked, its files removed): its stream id. */
  'replay-deleted': [streamId: string];
}

export interface RetentionOptions {
  replays: ReplaysRepo;
  streams: LiveStreams;
  media: MediaConfig;
  /** Resolves once a stream's replay is recorded (StreamLifecycle.replayRecorded). */
  replayRecorded(streamId: string): Promise<void>;
  /** Cluster mode: this node's base URL; it sweeps only the replays on its own disk. */
  nodeUrl?: () => string;
  logger: Logger;
}

/** Time past the quiet period before the second recovery pass, so folders touched just before a crash count. */
const RECOVERY_MARGIN_MS = 5000;

export class Retention extends EventEmitter<RetentionEvents> {
  private stopSweep: StopJob | undefined;
  private recoverTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RetentionOptions) {
    super();
  }

  /** Recovers and sweeps now and on its timers. */
  start(): void {
    this.stopSweep = every(LIMITS.retentionSweepSeconds * 1000, () => void this.recoverAndSweep());
    void this.recoverAndSweep();
    this.recoverTimer = setTimeout(() => void this.recoverAndSweep(), LIMITS.interruptedStreamQuietSeconds * 1000 + RECOVERY_MARGIN_MS);
    this.recoverTimer.unref();
  }

  stop(): void {
    this.stopSweep?.();
    clearTimeout(this.recoverTimer);
  }

  /** Applies retention now: by age and by total bytes, oldest first. Never throws (failures are logged). */
  sweep = async (): Promise<void> => {
    const { replays, streams, media: m, logger } = this.opts;
    try {
      const ids = await replays.expired({
        olderThanMs: m.replayRetentionDays > 0 ? m.replayRetentionDays * 86400_000 : undefined,
        maxTotalBytes: m.replayRetentionBytes > 0 ? m.replayRetentionBytes : undefined,
        nodeUrl: this.opts.nodeUrl?.(),
      });
      for (const id of ids) {
        await replays.markDeleted(id);
        await streams.deleteFiles(id);
        this.emit('replay-deleted', id);
      }
      if (ids.length) logger.info({ deleted: ids.length }, 'replay retention sweep');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'replay retention sweep failed');
    }
  };

  /**
   * Deletes a replay its owner asked to delete: marked deleted (gone from the API and the media routes at once),
   * then its files, then its row. Should the files not go, the row stays marked deleted, so the folder is never
   * recovered as a replay. False when there was no such replay (or it was deleted already).
   */
  deleteReplay = async (id: string): Promise<boolean> => {
    const { replays, streams, logger } = this.opts;
    const holder = (await replays.byId(id))?.nodeUrl;
    if (!(await replays.markDeleted(id))) return false;
    this.emit('replay-deleted', id);
    if (holder && holder !== this.opts.nodeUrl?.()) {
      // Its files are on another node's disk: the row stays, marked deleted, so that node never serves or recovers
      // them (its files stay until that node's operator removes them).
      logger.info({ streamId: id }, 'replay deleted by its owner (files on another node)');
      return true;
    }
    try {
      await streams.deleteFiles(id);
    } catch (err) {
      logger.error({ err: (err as Error).message, streamId: id }, 'could not remove the files of a deleted replay');
      return true;
    }
    await replays.remove(id);
    logger.info({ streamId: id }, 'replay deleted by its owner');
    return true;
  };

  /**
   * Turns streams a previous process left unfinished into replays: folders quiet for `quietMs` with no replay row.
   * Resolves with their stream ids once their replays are recorded.
   */
  recoverInterrupted = async (quietMs = LIMITS.interruptedStreamQuietSeconds * 1000): Promise<string[]> => {
    const { replays, streams, replayRecorded } = this.opts;
    const isRecorded = async (id: string) => (await replays.byId(id, { includeDeleted: true })) !== null;
    const recovered = await streams.recoverInterrupted(isRecorded, quietMs);
    await Promise.all(recovered.map((r) => replayRecorded(r.streamId)));
    return recovered.map((r) => r.streamId);
  };

  private async recoverAndSweep(): Promise<void> {
    await this.recoverInterrupted().catch((err) => this.opts.logger.error({ err: (err as Error).message }, 'recovering interrupted streams failed'));
    await this.sweep();
  }
}
