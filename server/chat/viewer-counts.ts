// Live viewer counts per channel: this process's chat connections in the room plus its HLS viewers, plus what the
// other processes reported (viewers.ts). Every tick each process sends the same total to its own connections,
// and only when it changed.
import type { Logger } from '../log.js';
import { CHANNEL_ROOM_PREFIX, roomOf, type ChatIo } from './protocol.js';
import type { ViewerStore } from './viewers.js';

export class ViewerCounts {
  /** Sum of the other processes' counts, per channel, from the last tick. */
  private readonly othersCount = new Map<string, number>();
  private readonly lastSent = new Map<string, number>();
  /** Channels this process reported a non-zero count for (so it reports the drop to zero once). */
  private readonly reported = new Set<string>();
  private ticking = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: ChatIo,
    private readonly store: ViewerStore,
    private readonly log: Logger,
    /** This process's HLS viewers of a channel. */
    private readonly hlsViewers: (channel: string) => number = () => 0,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and withdraws this process's counts. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.store.clear(this.reported).catch(() => {});
  }

  /** The channel's count as last computed. */
  total = (channel: string): number => this.local(channel) + (this.othersCount.get(channel) ?? 0);

  private local(channel: string): number {
    return (this.io.of('/').adapter.rooms.get(roomOf(channel))?.size ?? 0) + this.hlsViewers(channel);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const rooms = this.io.of('/').adapter.rooms;
      const local = new Map<string, number>();
      for (const room of rooms.keys()) if (room.startsWith(CHANNEL_ROOM_PREFIX)) local.set(room.slice(CHANNEL_ROOM_PREFIX.length), 0);
      for (const c of this.reported) local.set(c, 0);
      for (const c of local.keys()) local.set(c, this.local(c));
      let others: Map<string, number>;
      try {
        others = await this.store.report(local);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'viewer count exchange failed; using local counts');
        others = new Map();
      }
      for (const [channel, n] of local) {
        this.othersCount.set(channel, others.get(channel) ?? 0);
        if (n > 0) this.reported.add(channel);
        else this.reported.delete(channel);
        if (!rooms.has(roomOf(channel))) {
          this.othersCount.delete(channel);
          this.lastSent.delete(channel);
          continue;
        }
        const total = n + (others.get(channel) ?? 0);
        if (this.lastSent.get(channel) !== total) {
          this.lastSent.set(channel, total);
          this.io.local.to(roomOf(channel)).emit('viewers', { channel, count: total });
        }
      }
    } finally {
      this.ticking = false;
    }
  }
}
