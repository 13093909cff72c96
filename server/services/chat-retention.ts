// Chat retention: messages and moderation log entries older than the configured age are deleted, and expired bans
// and timeouts with them. Runs at start and every LIMITS.retentionSweepSeconds; with several processes each one
// sweeps (the deletes are idempotent).
import { LIMITS } from '../config.js';
import type { ChatModerationRepo } from '../db/chat-moderation.js';
import type { ChatRepo } from '../db/chat.js';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';

export interface ChatRetentionOptions {
  chat: ChatRepo;
  moderation: ChatModerationRepo;
  /** 0 keeps messages forever (expired bans and timeouts still go). */
  retentionDays: number;
  logger: Logger;
  now?: () => number;
}

export class ChatRetention {
  private stopTimer: StopJob | undefined;

  constructor(private readonly opts: ChatRetentionOptions) {}

  start(): void {
    this.stopTimer = every(LIMITS.retentionSweepSeconds * 1000, () => void this.sweep());
    void this.sweep();
  }

  stop(): void {
    this.stopTimer?.();
  }

  /** Deletes what is past retention now. Never throws (failures are logged). Returns the rows deleted. */
  sweep = async (): Promise<{ messages: number; logEntries: number; expired: number }> => {
    const { chat, moderation, retentionDays, logger } = this.opts;
    const out = { messages: 0, logEntries: 0, expired: 0 };
    try {
      if (retentionDays > 0) {
        const cutoff = (this.opts.now ?? Date.now)() - retentionDays * 86_400_000;
        out.messages = await chat.pruneBefore(cutoff);
        out.logEntries = await moderation.pruneLog(cutoff);
      }
      out.expired = await chat.purgeExpired();
      if (out.messages || out.logEntries) logger.info({ ...out, retentionDays }, 'chat retention sweep');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'chat retention sweep failed');
    }
    return out;
  };
}
