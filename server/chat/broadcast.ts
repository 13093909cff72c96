// Fan-out throttle: a room gets at most one frame per window. A message that arrives when the room has been quiet
// goes out at once as 'message'; messages that arrive within the window after it wait and go out together as
// 'messages'. Under load every viewer then gets one frame per window instead of one per message, which is what
// makes thousands of viewers in one room affordable (the per-recipient send is the cost). Order is kept.
import type { ChatMessage } from '../api/chat.js';

/** Longest a message waits for its batch; also the minimum gap between two frames to one room. */
export const CHAT_BATCH_WINDOW_MS = 100;

interface RoomState {
  queue: ChatMessage[];
  timer?: NodeJS.Timeout;
  lastAt: number;
}

export class RoomBroadcaster {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    private readonly emit: { one(room: string, m: ChatMessage): void; many(room: string, ms: ChatMessage[]): void },
    private readonly windowMs = CHAT_BATCH_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  send(room: string, message: ChatMessage): void {
    const t = this.now();
    let r = this.rooms.get(room);
    if (!r) {
      r = { queue: [], lastAt: -Infinity };
      this.rooms.set(room, r);
    }
    if (!r.timer && t - r.lastAt >= this.windowMs) {
      r.lastAt = t;
      this.emit.one(room, message);
      return;
    }
    r.queue.push(message);
    if (!r.timer) {
      r.timer = setTimeout(() => this.flush(room), Math.max(0, r.lastAt + this.windowMs - t));
      r.timer.unref?.();
    }
  }

  private flush(room: string): void {
    const r = this.rooms.get(room);
    if (!r) return;
    r.timer = undefined;
    const batch = r.queue;
    r.queue = [];
    r.lastAt = this.now();
    if (batch.length === 1) this.emit.one(room, batch[0]);
    else if (batch.length > 1) this.emit.many(room, batch);
    // Quiet rooms are forgotten, so the map holds only rooms that are chatting now.
    for (const [name, state] of this.rooms) if (!state.timer && this.now() - state.lastAt > 10 * this.windowMs) this.rooms.delete(name);
  }

  /** Sends everything still waiting (shutdown). */
  flushAll(): void {
    for (const [room, r] of this.rooms) {
      if (r.timer) clearTimeout(r.timer);
      this.flush(room);
    }
  }
}
